"""A request in, a decision with every reason out (ELIG-05, ELIG-10), and what makes a request unanswerable.

``decide`` looks at every rule, not only the first that refuses, so a decision explains itself (ELIG-10): a
refused stream or arrangement lists every reason it was refused; an eligible stream or allowed arrangement lists
the grounds it was granted on. ELIG-05 (optional, only what was asked) is why a decision covers exactly the
streams and arrangements requested and nothing else, with one exception the law makes: ELIG-13 offers the health
stream to a child or young person eligible for NHS continuing care even when it was not asked for. The LA's
ELIG-12 declines in force then refuse what they cover, each with its reason and evidence.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.eligibility.domain.adulthood import transition_errors
from services.eligibility.domain.arrangements import arrangement_outcome
from services.eligibility.domain.declines import with_declines
from services.eligibility.domain.streams import (
    continuing_care_applies,
    health_offer,
    stream_outcome,
    whole_request_barriers,
)
from services.eligibility.domain.values import EligibilityRequest, Outcome, Status

# Bump when a rule's logic changes; every decision records the version it was made under (ELIG-11).
RULES_VERSION = "2027.01"  # ELIG-12 declines, ELIG-14 preparing for adulthood


@dataclass(frozen=True)
class Decision:
    status: Status
    streams: dict[str, Outcome]
    arrangements: dict[str, Outcome]
    rules_version: str = RULES_VERSION

    @property
    def eligible_streams(self) -> list[str]:
        return [s for s, o in self.streams.items() if o.granted]

    @property
    def allowed_arrangements(self) -> list[str]:
        return sorted(a for a, o in self.arrangements.items() if o.granted)


def input_errors(request: EligibilityRequest, *, today: date | None = None) -> list[tuple[str, str]]:
    """What makes a request unanswerable (a 4xx), as (field, message). A refusal is not an error."""
    errors = []
    # A day's grace: the family's calendar day may already be tomorrow in UTC terms.
    if today is not None and request.requested_on > today + timedelta(days=1):
        errors.append(("requested_on", f"is in the future (today is {today.isoformat()})"))
    if request.date_of_birth > request.requested_on:
        errors.append(("date_of_birth", "is after requested_on; the child must be born before the request"))
    if "direct_payment" in request.arrangements and request.recipient is None:
        errors.append(("recipient", "is required when direct_payment is asked for (ELIG-06)"))
    if request.transition is not None:
        errors += [(f"transition.{f}", m) for f, m in transition_errors(request.date_of_birth,
                                                                         request.transition.reviewed_on)]
    return errors


def decide(request: EligibilityRequest) -> Decision:
    """Every requested stream and arrangement, each with every reason that applies (ELIG-05, ELIG-10)."""
    barriers = whole_request_barriers(request)
    streams = {s: stream_outcome(s, request, barriers) for s in request.streams}
    offer = health_offer(request, barriers)
    if offer is not None:
        streams["health"] = offer
    declines, care = request.declines, continuing_care_applies(request)
    streams = {s: with_declines(s, o, declines, kind="stream", protected=care and s == "health")
               for s, o in streams.items()}  # ELIG-12, never over ELIG-13
    eligible = [s for s, o in streams.items() if o.granted]
    arrangements = {a: with_declines(a, arrangement_outcome(a, request, streams, eligible), declines,
                                     kind="arrangement") for a in request.arrangements}
    if not eligible:
        status: Status = "not_eligible"
    elif len(eligible) == len(streams) and any(o.granted for o in arrangements.values()):
        status = "eligible"
    else:
        status = "partially_eligible"
    return Decision(status=status, streams=streams, arrangements=arrangements)
