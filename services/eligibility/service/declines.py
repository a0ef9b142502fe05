"""Decline: the LA declines a personal budget, or part of one, under ELIG-12, with its reason and evidence: a new
decision superseding the one in force, which the family may ask to review (ELIG-10)."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.auth import Caller
from kit.errors import InvalidInput
from services.eligibility import domain
from services.eligibility import repository as repo
from services.eligibility.schemas import DeclineCreate
from services.eligibility.service.deciding import DecidedRequest, answerable, record_decision
from services.eligibility.service.reading import request_of
from services.eligibility.settings import EligibilitySettings


async def decline(session: AsyncSession, *, request_id: str, body: DeclineCreate, caller: Caller,
                  settings: EligibilitySettings) -> DecidedRequest:
    """Record the LA's ELIG-12 decline in the facts and decide again: what it covers is refused with its ground,
    reason and evidence. Only what the decision in force grants can be declined, never the continuing-care health
    budget (ELIG-13): a 422 naming the field otherwise."""
    request = await request_of(session, request_id, caller)
    previous = await repo.current_decision(session, request.id)
    assert previous is not None  # a request is recorded with its first decision
    fact = {**body.model_dump(mode="json"), "declined_on": clock.today().isoformat(),
            "recorded_by": caller.client_id}
    custody_rule = settings.custody_rule_for(request.local_authority)
    in_force = domain.EligibilityRequest.from_facts(previous.facts, custody_rule=custody_rule)
    errors = domain.decline_errors(domain.Decline.from_fact(fact),
                                   streams={s: o["eligible"] for s, o in previous.streams.items()},
                                   arrangements={a: o["allowed"] for a, o in previous.arrangements.items()},
                                   continuing_care=domain.continuing_care_applies(in_force))
    if errors:
        raise InvalidInput("; ".join(f"{f}: {m}" for f, m, _ in errors),
                           errors=[{"field": f, "message": m} for f, m, _ in errors],
                           rule=next((r for _, _, r in errors if r), "ELIG-12"))
    facts = {**previous.facts, "declines": [*previous.declines, fact]}
    rules_input = answerable(facts, custody_rule=custody_rule)
    return await record_decision(session, request, facts, rules_input, supersedes=previous.id, review=None)
