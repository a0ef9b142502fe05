"""Finance totals of the budget ledger (BUD-08) for reconciliation with the services that move money into it."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget.models import Budget, LedgerEntry, LedgerTransaction

# The figure → which entries it sums (kind of posting and account, or an account whatever the kind).
e, t = LedgerEntry, LedgerTransaction
FIGURES = {
    "payments": and_(t.kind.in_(("payment", "payment_return")), e.account == "spent"),  # net of bank returns
    "recoveries": and_(t.kind == "recovery", e.account == "spent"),
    "releases": and_(t.kind == "release", e.account == "released"),
    "returns": and_(t.kind == "return", e.account == "released"),
    **{account: e.account == account for account in ("agreed", "released", "committed", "spent", "available")},
}


async def ledger_sums(session: AsyncSession, *, la: str, until: datetime | None) -> list[Any]:
    """Rows ``(budget_id, stream, *FIGURES)``: the LA's ledger entries summed per budget and stream, each figure
    the signed sum of its entries (debit positive), in one GROUP BY. ``until`` keeps postings made before it."""
    stmt = (select(e.budget_id, e.stream, *(func.coalesce(func.sum(case((where, e.amount_pence), else_=0)), 0)
                                            for where in FIGURES.values()))
            .join(t, t.id == e.transaction_id)
            .join(Budget, Budget.id == e.budget_id)
            .where(Budget.local_authority == la, e.account != "indicative", e.account != "indicative_offset")
            .group_by(e.budget_id, e.stream).order_by(e.budget_id, e.stream))
    if until is not None:
        stmt = stmt.where(t.created_at < until)
    return list((await session.execute(stmt)).all())
