"""Queries for insufficient streams (BUD-05): a budget's open flags, and the one open for a stream."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget.models import Insufficiency


async def insufficiencies(session: AsyncSession, budget_id: str, *, open_only: bool = True) -> list[Insufficiency]:
    """The budget's insufficient streams, oldest first (only those still open, unless ``open_only`` is False)."""
    stmt = select(Insufficiency).where(Insufficiency.budget_id == budget_id)
    if open_only:
        stmt = stmt.where(Insufficiency.cleared_at.is_(None))
    return list((await session.execute(stmt.order_by(Insufficiency.flagged_at, Insufficiency.id))).scalars())


async def open_insufficiencies_of(session: AsyncSession, budget_ids: Sequence[str]) -> list[Insufficiency]:
    """The open insufficient streams of each of the budgets, each budget's oldest first."""
    if not budget_ids:
        return []
    stmt = (select(Insufficiency).where(Insufficiency.budget_id.in_(budget_ids), Insufficiency.cleared_at.is_(None))
            .order_by(Insufficiency.flagged_at, Insufficiency.id))
    return list((await session.execute(stmt)).scalars())


async def open_insufficiency(session: AsyncSession, budget_id: str, stream: str) -> Insufficiency | None:
    stmt = select(Insufficiency).where(Insufficiency.budget_id == budget_id, Insufficiency.stream == stream,
                                       Insufficiency.cleared_at.is_(None))
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()
