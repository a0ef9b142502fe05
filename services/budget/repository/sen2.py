"""The SEN2 return's queries (BUD-11): an LA's plans whose period covers a census date, their lines and each
stream's agreed money as the ledger held it at a moment. Each is one query whatever the number of plans."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget.models import Budget, LedgerEntry, LedgerTransaction, Provision


def _covering(la: str, census: date):
    return (Budget.local_authority == la, Budget.period_start <= census, Budget.period_end >= census)


async def budgets_covering(session: AsyncSession, la: str, census: date) -> list[Budget]:
    stmt = select(Budget).where(*_covering(la, census)).order_by(Budget.plan_reference, Budget.id)
    return list((await session.execute(stmt)).scalars())


async def provisions_covering(session: AsyncSession, la: str, census: date) -> list[Provision]:
    stmt = select(Provision).join(Budget, Budget.id == Provision.budget_id).where(*_covering(la, census))
    return list((await session.execute(stmt)).scalars())


async def agreed_by_stream_before(
    session: AsyncSession, la: str, census: date, before: datetime
) -> dict[str, dict[str, int]]:
    """Per budget and stream, the agreed balance (BUD-08: a credit account, reported positive) of the entries
    posted before ``before``."""
    stmt = (
        select(LedgerEntry.budget_id, LedgerEntry.stream, func.sum(LedgerEntry.amount_pence))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(Budget, Budget.id == LedgerEntry.budget_id)
        .where(*_covering(la, census), LedgerEntry.account == "agreed", LedgerTransaction.created_at < before)
        .group_by(LedgerEntry.budget_id, LedgerEntry.stream)
    )
    out: dict[str, dict[str, int]] = {}
    for budget_id, stream, total in (await session.execute(stmt)).all():
        out.setdefault(budget_id, {})[stream] = -int(total)
    return out
