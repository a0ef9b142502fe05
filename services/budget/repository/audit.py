"""The audit log's queries: who a budget id names, recording accesses (``kit.audit``) and reading them back."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kit.audit import history, recorder
from services.budget.models import AuditEntry, Budget


async def subject(session: AsyncSession, budget_id: str) -> dict | None:
    """The budget and child an audit record names. The endpoint has already loaded the budget in the caller's
    LAs, so this is the session's copy, not another query."""
    budget = await session.get(Budget, budget_id)
    if budget is None:
        return None
    return {"budget_id": budget.id, "local_authority": budget.local_authority, "child_id": budget.child_id}


record = recorder(AuditEntry, subject)  # a kit.audit Recorder: one audit_log row per budget a request touched


async def entries(session: AsyncSession, budget_id: str, *, limit: int, cursor: str | None) -> dict:
    """A page of the budget's audit records, newest first: ``{items, next_cursor}``."""
    return await history(session, AuditEntry, AuditEntry.budget_id == budget_id, limit=limit, cursor=cursor)
