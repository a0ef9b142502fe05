"""Queries for the handovers to adult social care (ELIG-14). Lists on behalf of a caller are scoped to the caller's
LAs."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.pagination import newest_first
from kit.tenancy import scoped
from services.budget.models import Handover


async def handover_of_child(session: AsyncSession, la: str, child_id: str) -> Handover | None:
    stmt = select(Handover).where(Handover.local_authority == la, Handover.child_id == child_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_handover(session: AsyncSession, handover: Handover) -> Handover:
    session.add(handover)
    await session.flush()
    return handover


async def list_handovers(session: AsyncSession, caller: Caller, *, local_authority: str | None, limit: int,
                         cursor: str | None) -> list[Handover]:
    """The caller's LAs' handovers, most recently prepared first, from ``cursor``: up to ``limit`` + 1."""
    stmt = scoped(select(Handover), Handover.local_authority, caller)
    if local_authority:
        stmt = stmt.where(Handover.local_authority == local_authority)
    stmt = newest_first(stmt, Handover.prepared_at, Handover.id, limit=limit, cursor=cursor)
    return list((await session.execute(stmt)).scalars())
