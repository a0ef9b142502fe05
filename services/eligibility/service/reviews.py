"""Review: re-open the decision in force at the family's request and decide again (ELIG-10)."""
from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.events import utcnow
from services.eligibility import repository as repo
from services.eligibility.models import Review
from services.eligibility.schemas import ReviewCreate
from services.eligibility.service.deciding import DecidedRequest, answerable, record_decision
from services.eligibility.service.reading import request_of
from services.eligibility.settings import EligibilitySettings


async def review(session: AsyncSession, *, request_id: str, body: ReviewCreate, caller: Caller,
                 settings: EligibilitySettings) -> DecidedRequest:
    """Re-open a decision at the family's request (ELIG-10): record why, who asked and any corrected facts,
    decide again under the current rules and LA settings, and supersede the decision that was current."""
    request = await request_of(session, request_id, caller)
    previous = await repo.current_decision(session, request.id)
    assert previous is not None  # a request is recorded with its first decision
    corrections = body.corrections.model_dump(mode="json", exclude_unset=True) if body.corrections else {}
    facts = {**previous.facts, **corrections}
    rules_input = answerable(facts, custody_rule=settings.custody_rule_for(request.local_authority),
                             field_prefix="corrections.")
    record = Review(id=str(uuid.uuid4()), request_id=request.id, local_authority=request.local_authority,
                    reason=body.reason, asked_by=body.asked_by, corrections=corrections,
                    recorded_by=caller.client_id, created_at=utcnow())
    await repo.add(session, record)
    return await record_decision(session, request, facts, rules_input, supersedes=previous.id, review=record)
