"""Submit: record a family's request and its first decision (ELIG-11)."""
from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.events import utcnow
from services.eligibility import repository as repo
from services.eligibility.models import EligibilityRequest
from services.eligibility.schemas import RequestCreate
from services.eligibility.service.deciding import DecidedRequest, answerable, record_decision
from services.eligibility.settings import EligibilitySettings


async def submit(session: AsyncSession, *, body: RequestCreate, caller: Caller,
                 settings: EligibilitySettings) -> DecidedRequest:
    """Record a request and its first decision (ELIG-11); a refusal is a decision too, not an error."""
    caller.ensure_la(body.local_authority)
    facts = body.model_dump(mode="json", exclude={"child_id", "local_authority"})
    rules_input = answerable(facts, custody_rule=settings.custody_rule_for(body.local_authority))
    request = EligibilityRequest(
        id=str(uuid.uuid4()), local_authority=body.local_authority, child_id=body.child_id,
        requested_on=body.requested_on, requested_by=body.requested_by, facts=facts,
        recorded_by=caller.client_id, created_at=utcnow(),
    )
    await repo.add(session, request)
    return await record_decision(session, request, facts, rules_input, supersedes=None, review=None)
