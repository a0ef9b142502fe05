"""What the eligibility service publishes (payloads exactly as docs/events.md, v1), with their schemas for the
platform's AsyncAPI document."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from kit.events import Envelope
from services.eligibility.domain import Arrangement, Status, Stream
from services.eligibility.models import Decision, EligibilityRequest

REQUEST_DECIDED = "eligibility.request_decided.v1"


class Reason(BaseModel):
    rule: str
    message: str


class StreamOutcome(BaseModel):
    eligible: bool
    reasons: list[Reason]


class ArrangementOutcome(BaseModel):
    allowed: bool
    reasons: list[Reason]


class RequestDecided(BaseModel):
    """A request was decided, or a review produced a decision that supersedes ``supersedes_decision_id``
    (ELIG-10, ELIG-11). ``request_id`` stays the same across reviews; ``decision_id`` is new each time."""

    model_config = ConfigDict(extra="forbid")
    request_id: str
    decision_id: str
    supersedes_decision_id: str | None
    child_id: str
    local_authority: str
    status: Status
    streams: dict[Stream, StreamOutcome]
    arrangements: dict[Arrangement, ArrangementOutcome]
    eligible_streams: list[Stream]
    allowed_arrangements: list[Arrangement]
    requested_on: date
    decided_at: datetime
    rules_version: str


def request_decided(request: EligibilityRequest, decision: Decision) -> Envelope:
    """The event of ``decision`` on ``request``: the only place its payload is written."""
    payload = RequestDecided(
        request_id=request.id, decision_id=decision.id,
        supersedes_decision_id=decision.supersedes_decision_id,
        child_id=request.child_id, local_authority=request.local_authority, status=decision.status,
        streams=decision.streams, arrangements=decision.arrangements,
        eligible_streams=decision.eligible_streams, allowed_arrangements=decision.allowed_arrangements,
        requested_on=request.requested_on, decided_at=decision.decided_at, rules_version=decision.rules_version,
    ).model_dump(mode="json")
    return Envelope(type=REQUEST_DECIDED, producer="eligibility", local_authority=request.local_authority,
                    correlation_id=request.id, payload=payload)


OWNED = {REQUEST_DECIDED: RequestDecided}  # the payload models of the events whose contract this service owns
