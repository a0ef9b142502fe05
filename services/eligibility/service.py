"""Use cases of the eligibility service: record a request and decide it, review a decision, read the history.

Ids: a request keeps one ``id`` for life (the CONTRACT's ``id``: what clients read, list and review by); each
decision on it has its own ``decision_id``. Reading a request gives its current decision; a review adds a
decision that supersedes the current one and names it in ``supersedes_decision_id`` (ELIG-10, ELIG-11).
Nothing here commits: the request's unit of work does, with the outbox row in the same transaction.
"""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.errors import Conflict, InvalidInput
from kit.events import utcnow
from kit.outbox import add_event
from kit.tenancy import found
from services.eligibility import domain
from services.eligibility import repository as repo
from services.eligibility.events import request_decided
from services.eligibility.models import Decision, EligibilityRequest, Review
from services.eligibility.schemas import DecisionRead, RequestCreate, ReviewCreate
from services.eligibility.settings import EligibilitySettings

BASE = "/v1/eligibility/requests"


async def submit(session: AsyncSession, *, body: RequestCreate, caller: Caller,
                 settings: EligibilitySettings) -> DecisionRead:
    """Record a request and its first decision (ELIG-11); a refusal is a decision too, not an error."""
    caller.ensure_la(body.local_authority)
    facts = body.model_dump(mode="json", exclude={"child_id", "local_authority"})
    rules_input = _rules_input(facts, custody_rule=settings.custody_rule_for(body.local_authority))
    _refuse_unanswerable(rules_input)
    request = EligibilityRequest(
        id=str(uuid.uuid4()), local_authority=body.local_authority, child_id=body.child_id,
        requested_on=body.requested_on, requested_by=body.requested_by, facts=facts,
        recorded_by=caller.client_id, created_at=utcnow(),
    )
    session.add(request)
    await session.flush()
    decision = await _decide(session, request, facts, rules_input, supersedes=None, review=None)
    return _view(request, decision, review=None, current=True)


async def review(session: AsyncSession, *, request_id: str, body: ReviewCreate, caller: Caller,
                 settings: EligibilitySettings) -> DecisionRead:
    """Re-open a decision at the family's request (ELIG-10): record why, who asked and any corrected facts,
    decide again under the current rules and LA settings, and supersede the decision that was current."""
    request = await _request(session, request_id, caller)
    previous = await repo.current_decision(session, request.id)
    assert previous is not None  # a request is recorded with its first decision
    corrections = body.corrections.model_dump(mode="json", exclude_unset=True) if body.corrections else {}
    facts = {**previous.facts, **corrections}
    rules_input = _rules_input(facts, custody_rule=settings.custody_rule_for(request.local_authority))
    _refuse_unanswerable(rules_input, prefix="corrections.")
    record = Review(id=str(uuid.uuid4()), request_id=request.id, local_authority=request.local_authority,
                    reason=body.reason, asked_by=body.asked_by, corrections=corrections,
                    recorded_by=caller.client_id, created_at=utcnow())
    session.add(record)
    await session.flush()
    decision = await _decide(session, request, facts, rules_input, supersedes=previous.id, review=record)
    return _view(request, decision, review=record, current=True)


async def current(session: AsyncSession, *, request_id: str, caller: Caller) -> DecisionRead:
    """The request with its decision in force."""
    request = await _request(session, request_id, caller)
    decision = await repo.current_decision(session, request.id)
    assert decision is not None
    reviews = await repo.reviews_by_id(session, [decision.review_id] if decision.review_id else [])
    return _view(request, decision, review=reviews.get(decision.review_id or ""), current=True)


async def one_decision(session: AsyncSession, *, request_id: str, decision_id: str,
                       caller: Caller) -> DecisionRead:
    """One decision of a request, current or superseded."""
    request = await _request(session, request_id, caller)
    decision = found(await repo.decision_of(session, request.id, decision_id), "decision", decision_id)
    reviews = await repo.reviews_by_id(session, [decision.review_id] if decision.review_id else [])
    return _view(request, decision, review=reviews.get(decision.review_id or ""),
                 current=not await repo.is_superseded(session, decision.id))


async def decisions(session: AsyncSession, *, request_id: str, caller: Caller, limit: int,
                    cursor: str | None) -> tuple[list[DecisionRead], str | None]:
    """A request's decisions, newest first."""
    request = await _request(session, request_id, caller)
    rows, next_cursor = await repo.decisions_page(session, request.id, limit=limit, cursor=cursor)
    reviews = await repo.reviews_by_id(session, [d.review_id for d in rows if d.review_id])
    latest = await repo.current_decision(session, request.id)
    in_force = latest.id if latest is not None else None
    return [_view(request, d, review=reviews.get(d.review_id or ""), current=d.id == in_force)
            for d in rows], next_cursor


async def history(session: AsyncSession, *, caller: Caller, child_id: str | None, local_authority: str | None,
                  limit: int, cursor: str | None) -> tuple[list[DecisionRead], str | None]:
    """The caller's requests, newest first, each with its current decision."""
    rows, next_cursor = await repo.requests_page(session, caller, child_id=child_id,
                                                 local_authority=local_authority, limit=limit, cursor=cursor)
    reviews = await repo.reviews_by_id(session, [d.review_id for _, d in rows if d.review_id])
    return [_view(r, d, review=reviews.get(d.review_id or ""), current=True) for r, d in rows], next_cursor


# ---------------------------------------------------------------------------------------------------- helpers
async def _request(session: AsyncSession, request_id: str, caller: Caller) -> EligibilityRequest:
    """The request if it belongs to one of the caller's LAs; otherwise 404, never revealing another LA's."""
    return found(await repo.request_for(session, request_id, caller), "eligibility request", request_id)


def _refuse_unanswerable(rules_input: domain.EligibilityRequest, *, prefix: str = "") -> None:
    """A 422 naming each field that makes the request unanswerable (a refusal is not one of these)."""
    found_errors = domain.input_errors(rules_input, today=utcnow().date())
    errors = [{"field": prefix + f, "message": m} for f, m in found_errors]
    if errors:
        raise InvalidInput("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)


async def _decide(session: AsyncSession, request: EligibilityRequest, facts: dict[str, Any],
                  rules_input: domain.EligibilityRequest, *, supersedes: str | None,
                  review: Review | None) -> Decision:
    """Apply the rules; store the decision, the facts it was made on and its event in this transaction."""
    outcome = domain.decide(rules_input)
    decision = Decision(
        id=str(uuid.uuid4()), request_id=request.id, local_authority=request.local_authority,
        facts=facts, status=outcome.status, streams=_outcomes(outcome.streams, "eligible"),
        arrangements=_outcomes(outcome.arrangements, "allowed"), rules_version=outcome.rules_version,
        custody_rule=rules_input.custody_rule, supersedes_decision_id=supersedes,
        review_id=review.id if review else None, decided_at=utcnow(),
    )
    session.add(decision)
    try:
        await session.flush()
    except IntegrityError:
        # Another review superseded the same decision first (supersedes_decision_id is unique).
        raise Conflict(f"decision {supersedes} was reviewed at the same time; read the request and try "
                       "again") from None
    await add_event(session, request_decided(request, decision, eligible_streams=outcome.eligible_streams,
                                             allowed_arrangements=outcome.allowed_arrangements))
    return decision


def _outcomes(outcomes: dict[str, domain.Outcome], flag: str) -> dict[str, Any]:
    return {name: {flag: o.granted, "reasons": [{"rule": r.rule, "message": r.message} for r in o.reasons]}
            for name, o in outcomes.items()}


def _rules_input(facts: dict[str, Any], *, custody_rule: bool) -> domain.EligibilityRequest:
    recipient = facts.get("recipient")
    return domain.EligibilityRequest(
        date_of_birth=date.fromisoformat(facts["date_of_birth"]),
        requested_on=date.fromisoformat(facts["requested_on"]), requested_by=facts["requested_by"],
        ehcp_stage=facts["ehcp_stage"], streams=tuple(facts["streams"]),
        arrangements=tuple(facts["arrangements"]),
        recipient=domain.Recipient(**recipient) if recipient else None, in_custody=facts["in_custody"],
        provision_on_setting_premises=facts["provision_on_setting_premises"],
        setting_agreement=facts["setting_agreement"], custody_rule=custody_rule,
        # Requests recorded before ELIG-13 was served have no such fact: not known to be eligible.
        continuing_care=facts.get("continuing_care", False),
    )


def _view(request: EligibilityRequest, decision: Decision, *, review: Review | None,
          current: bool) -> DecisionRead:
    own = f"{BASE}/{request.id}"
    supersedes = decision.supersedes_decision_id
    return DecisionRead(
        id=request.id, decision_id=decision.id, supersedes_decision_id=supersedes, current=current,
        child_id=request.child_id, local_authority=request.local_authority, status=decision.status,
        streams=decision.streams, arrangements=decision.arrangements,
        eligible_streams=[s for s, o in decision.streams.items() if o["eligible"]],
        allowed_arrangements=sorted(a for a, o in decision.arrangements.items() if o["allowed"]),
        decided_at=decision.decided_at, rules_version=decision.rules_version, facts=decision.facts,
        requested_on=request.requested_on, requested_by=request.requested_by, recorded_by=request.recorded_by,
        recorded_at=request.created_at,
        review=None if review is None else {
            "id": review.id, "reason": review.reason, "asked_by": review.asked_by,
            "corrections": review.corrections, "recorded_by": review.recorded_by,
            "recorded_at": review.created_at},
        links={"self": f"{own}/decisions/{decision.id}", "decisions": f"{own}/decisions",
               "supersedes": f"{own}/decisions/{supersedes}" if supersedes else None},
    )
