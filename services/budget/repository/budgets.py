"""Queries for budgets, provision, panel decisions, variations and reviews. Reads on behalf of a caller are
scoped to the caller's LAs."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.pagination import decode_cursor, newest_first
from kit.tenancy import found, scoped
from services.budget.models import (
    Budget,
    PanelDecision,
    Provision,
    Review,
    Variation,
)


def _lock(stmt, session: AsyncSession):
    # SQLite takes the database write lock at BEGIN (kit.db), so only PostgreSQL needs row locks. A locked read
    # refreshes an object the session already holds: what was read before the lock may be stale.
    stmt = stmt.execution_options(populate_existing=True)
    return stmt.with_for_update() if session.bind.dialect.name == "postgresql" else stmt


async def budget_for(session: AsyncSession, budget_id: str, caller: Caller, *, lock: bool = False) -> Budget:
    """The caller's budget, or 404 (also for another LA's budget)."""
    stmt = scoped(select(Budget).where(Budget.id == budget_id), Budget.local_authority, caller)
    budget = (await session.execute(_lock(stmt, session) if lock else stmt)).scalar_one_or_none()
    return found(budget, "budget", budget_id)


async def budget_by_id(session: AsyncSession, budget_id: str, *, lock: bool = False) -> Budget | None:
    stmt = select(Budget).where(Budget.id == budget_id)
    return (await session.execute(_lock(stmt, session) if lock else stmt)).scalar_one_or_none()


async def budgets_of_child(session: AsyncSession, la: str, child_id: str) -> list[Budget]:
    stmt = select(Budget).where(Budget.local_authority == la, Budget.child_id == child_id)
    return list((await session.execute(stmt.order_by(Budget.period_start))).scalars())


async def open_budget(session: AsyncSession, la: str, child_id: str) -> Budget | None:
    """The CYP's open budget: the latest plan period that is not closed."""
    stmt = (select(Budget).where(Budget.local_authority == la, Budget.child_id == child_id,
                                 Budget.status != "closed")
            .order_by(Budget.period_start.desc()).limit(1))
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_budgets(
    session: AsyncSession, caller: Caller, *, child_id: str | None, limit: int, cursor: str | None
) -> list[Budget]:
    """The caller's LAs' budgets, newest first, from ``cursor``: up to ``limit`` + 1 (kit.pagination)."""
    stmt = scoped(select(Budget), Budget.local_authority, caller)
    if child_id:
        stmt = stmt.where(Budget.child_id == child_id)
    stmt = newest_first(stmt, Budget.created_at, Budget.id, limit=limit, cursor=cursor)
    return list((await session.execute(stmt)).scalars())


async def provisions(session: AsyncSession, budget_id: str) -> list[Provision]:
    stmt = (
        select(Provision).where(Provision.budget_id == budget_id).order_by(Provision.created_at, Provision.id)
    )
    return list((await session.execute(stmt)).scalars())


async def panel_decisions(session: AsyncSession, budget_id: str) -> list[PanelDecision]:
    stmt = select(PanelDecision).where(PanelDecision.budget_id == budget_id).order_by(PanelDecision.seq)
    return list((await session.execute(stmt)).scalars())


async def variations(session: AsyncSession, budget_id: str) -> list[Variation]:
    stmt = select(Variation).where(Variation.budget_id == budget_id).order_by(Variation.created_at)
    return list((await session.execute(stmt)).scalars())


async def ended_budgets(session: AsyncSession, *, today, limit: int) -> list[Budget]:
    """Budgets not yet closed whose plan period ended before ``today``, locked; on PostgreSQL one another replica
    holds is skipped, so replicas running the job at once share the work."""
    stmt = (select(Budget).where(Budget.status != "closed", Budget.period_end < today)
            .order_by(Budget.period_end, Budget.id).limit(limit))
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list((await session.execute(stmt)).scalars())


async def due_reductions(session: AsyncSession, *, today, limit: int) -> list[Variation]:
    """Reductions of agreed budgets whose reconsideration window closed before ``today`` without a request
    (BUD-10), oldest first; on PostgreSQL each is locked, and one another replica holds is skipped."""
    stmt = (select(Variation).join(Budget, Budget.id == Variation.budget_id)
            .where(Variation.kind == "reduction", Variation.status == "notice_issued",
                   Variation.reconsider_by < today, Budget.status == "agreed")
            .order_by(Variation.reconsider_by, Variation.created_at).limit(limit))
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Variation, skip_locked=True)
    return list((await session.execute(stmt)).scalars())


async def variation(session: AsyncSession, budget_id: str, variation_id: str) -> Variation:
    v = (
        await session.execute(
            select(Variation).where(Variation.budget_id == budget_id, Variation.id == variation_id)
        )
    ).scalar_one_or_none()
    return found(v, "variation", variation_id)


async def reviews(session: AsyncSession, budget_id: str) -> list[Review]:
    stmt = select(Review).where(Review.budget_id == budget_id).order_by(Review.reviewed_on.desc())
    return list((await session.execute(stmt)).scalars())


async def reviews_due(session: AsyncSession, caller: Caller, due_before: date, limit: int,
                      cursor: str | None = None) -> list[Budget]:
    """Up to ``limit + 1`` agreed budgets with a review due on or before ``due_before``, soonest first (then by
    id), after the (due date, id) of ``cursor``."""
    stmt = scoped(
        select(Budget).where(
            Budget.status == "agreed",
            Budget.next_review_due.is_not(None),
            Budget.next_review_due <= due_before,
        ),
        Budget.local_authority,
        caller,
    )
    if cursor:
        after, ident = decode_cursor(cursor)
        due = after.date()
        stmt = stmt.where(or_(Budget.next_review_due > due, and_(Budget.next_review_due == due, Budget.id > ident)))
    return list(
        (await session.execute(stmt.order_by(Budget.next_review_due, Budget.id).limit(limit + 1))).scalars()
    )


async def budgets_of_la(session: AsyncSession, la: str, *, limit: int, after: str | None) -> list[Budget]:
    stmt = select(Budget).where(Budget.local_authority == la)
    if after:
        stmt = stmt.where(Budget.id > after)
    return list((await session.execute(stmt.order_by(Budget.id).limit(limit + 1))).scalars())


async def provisions_of(session: AsyncSession, budget_ids: Sequence[str]) -> list[Provision]:
    """The provision of each of the budgets, each budget's in the order it was added."""
    if not budget_ids:
        return []
    stmt = (select(Provision).where(Provision.budget_id.in_(budget_ids))
            .order_by(Provision.created_at, Provision.id))
    return list((await session.execute(stmt)).scalars())


async def panel_decisions_of(session: AsyncSession, budget_ids: Sequence[str]) -> list[PanelDecision]:
    """The panel decisions of each of the budgets, each budget's in order."""
    if not budget_ids:
        return []
    stmt = select(PanelDecision).where(PanelDecision.budget_id.in_(budget_ids)).order_by(PanelDecision.seq)
    return list((await session.execute(stmt)).scalars())
