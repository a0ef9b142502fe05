"""The audit log (who read or changed a child's budget): what ``kit.audit`` records through, and reading it."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget.models import Budget
from services.budget.repository import audit as log

record = log.record  # the routers' kit.audit Recorder: one record per budget a request read or changed


async def history(session: AsyncSession, budget: Budget, *, limit: int, cursor: str | None) -> dict:
    """A page of the budget's audit records, newest first: ``{items, next_cursor}`` (items are AuditEntry rows)."""
    return await log.entries(session, budget.id, limit=limit, cursor=cursor)
