"""Finance totals of the budget ledger (BUD-08) for reconciliation with the services that move money into it."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget.models import Budget, LedgerEntry, LedgerTransaction


async def ledger_sums(session: AsyncSession, *, la: str, until: datetime | None) -> list[Any]:
    """Rows ``(budget_id, stream, kind, account, pence)``: the LA's ledger entries summed per budget, stream, kind
    of posting and account, in one GROUP BY. ``until`` keeps postings made before it."""
    e, t = LedgerEntry, LedgerTransaction
    stmt = (select(e.budget_id, e.stream, t.kind, e.account, func.sum(e.amount_pence))
            .join(t, t.id == e.transaction_id)
            .join(Budget, Budget.id == e.budget_id)
            .where(Budget.local_authority == la)
            .group_by(e.budget_id, e.stream, t.kind, e.account))
    if until is not None:
        stmt = stmt.where(t.created_at < until)
    return list((await session.execute(stmt)).all())
