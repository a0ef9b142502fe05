"""Making a decision, as submitting and reviewing both do: the facts become the rules' input (a 422 if they are
unanswerable), the rules decide (domain), and the decision is stored with its event in the caller's transaction.
``DecidedRequest`` is what every use case returns about a decision."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kit.errors import Conflict, InvalidInput
from kit.events import utcnow
from kit.outbox import add_event
from services.eligibility import domain
from services.eligibility import repository as repo
from services.eligibility.events import request_decided
from services.eligibility.models import Decision, EligibilityRequest, Review


@dataclass(frozen=True)
class DecidedRequest:
    """A request with one decision on it, the review that led to that decision (if any) and whether it is the
    one in force. schemas.DecisionRead is read from these attributes."""

    request: EligibilityRequest
    decision: Decision
    review: Review | None
    current: bool


def answerable(facts: dict[str, Any], *, custody_rule: bool, field_prefix: str = "") -> domain.EligibilityRequest:
    """The rules' input from the facts under the LA's ELIG-08 setting; a 422 naming each field that makes it
    unanswerable (a refusal is not one of these)."""
    rules_input = domain.EligibilityRequest.from_facts(facts, custody_rule=custody_rule)
    errors = [{"field": field_prefix + f, "message": m}
              for f, m in domain.input_errors(rules_input, today=utcnow().date())]
    if errors:
        # A message that opens with a rule ID (ELIG-14: a transition plan before year 9) names it as the rule.
        rule = next((e["message"].split(":")[0] for e in errors if e["message"].startswith("ELIG-")), None)
        raise InvalidInput("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors, rule=rule)
    return rules_input


async def record_decision(session: AsyncSession, request: EligibilityRequest, facts: dict[str, Any],
                          rules_input: domain.EligibilityRequest, *, supersedes: str | None,
                          review: Review | None) -> DecidedRequest:
    """Apply the rules; store the decision, the facts it was made on and its event in this transaction."""
    outcome = domain.decide(rules_input)
    decision = Decision(
        id=str(uuid.uuid4()), request_id=request.id, local_authority=request.local_authority,
        facts=facts, status=outcome.status, streams=_stored(outcome.streams, "eligible"),
        arrangements=_stored(outcome.arrangements, "allowed"), rules_version=outcome.rules_version,
        custody_rule=rules_input.custody_rule, supersedes_decision_id=supersedes,
        review_id=review.id if review else None, decided_at=utcnow(), date_of_birth=rules_input.date_of_birth,
    )
    try:
        await repo.add(session, decision)
    except IntegrityError:
        # Another review superseded the same decision first (supersedes_decision_id is unique, ELIG-11).
        raise Conflict(f"decision {supersedes} was reviewed at the same time; read the request and try "
                       "again") from None
    await add_event(session, request_decided(request, decision))
    return DecidedRequest(request, decision, review, current=True)


def _stored(outcomes: dict[str, domain.Outcome], flag: str) -> dict[str, Any]:
    """Outcomes as the decision stores them: ``{name: {eligible|allowed: bool, reasons: [{rule, message}]}}``."""
    return {name: {flag: o.granted, "reasons": [{"rule": r.rule, "message": r.message} for r in o.reasons]}
            for name, o in outcomes.items()}
