"""Queries for family links (issue 20): the links, their openings, and a link with its budget."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget.models import Budget, FamilyLink, FamilyLinkOpening


async def add_family_link(session: AsyncSession, link: FamilyLink) -> FamilyLink:
    session.add(link)
    await session.flush()
    return link


async def family_link(session: AsyncSession, budget_id: str, link_id: str) -> FamilyLink | None:
    """One link of a budget (the caller already holds the budget under its LAs)."""
    stmt = select(FamilyLink).where(FamilyLink.id == link_id, FamilyLink.budget_id == budget_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def family_links(session: AsyncSession, budget_id: str) -> list[FamilyLink]:
    stmt = select(FamilyLink).where(FamilyLink.budget_id == budget_id)
    return list((await session.execute(stmt.order_by(FamilyLink.issued_at.desc(), FamilyLink.id))).scalars())


async def family_link_with_budget(session: AsyncSession, link_id: str) -> tuple[FamilyLink, Budget] | None:
    """A link and the budget it opens, from the link id inside a verified token: no caller, the signature is the
    credential."""
    stmt = select(FamilyLink, Budget).join(Budget, Budget.id == FamilyLink.budget_id).where(FamilyLink.id == link_id)
    row = (await session.execute(stmt)).one_or_none()
    return (row[0], row[1]) if row else None


async def add_family_link_opening(session: AsyncSession, opening: FamilyLinkOpening) -> None:
    session.add(opening)
    await session.flush()


async def family_link_openings(session: AsyncSession, link_ids: list[str]) -> dict[str, list[FamilyLinkOpening]]:
    """Each link's openings, newest first."""
    if not link_ids:
        return {}
    stmt = (select(FamilyLinkOpening).where(FamilyLinkOpening.link_id.in_(link_ids))
            .order_by(FamilyLinkOpening.opened_at.desc(), FamilyLinkOpening.id))
    found: dict[str, list[FamilyLinkOpening]] = {i: [] for i in link_ids}
    for opening in (await session.execute(stmt)).scalars():
        found[opening.link_id].append(opening)
    return found


