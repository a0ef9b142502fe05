"""Queries for disputes and their steps (BUD-13). A dispute is reached through its budget, which the caller's LAs
already scoped."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.tenancy import found
from services.budget.models import Dispute, DisputeStep, PanelDecision


async def disputes(session: AsyncSession, budget_id: str) -> list[Dispute]:
    stmt = select(Dispute).where(Dispute.budget_id == budget_id).order_by(Dispute.created_at, Dispute.id)
    return list((await session.execute(stmt)).scalars())


async def dispute(session: AsyncSession, budget_id: str, dispute_id: str) -> Dispute:
    """The budget's dispute, or 404 (also one of another budget)."""
    stmt = select(Dispute).where(Dispute.budget_id == budget_id, Dispute.id == dispute_id)
    return found((await session.execute(stmt)).scalar_one_or_none(), "dispute", dispute_id)


async def dispute_steps(session: AsyncSession, dispute_ids: list[str]) -> list[DisputeStep]:
    """The steps of these disputes, each dispute's in order."""
    if not dispute_ids:
        return []
    stmt = (select(DisputeStep).where(DisputeStep.dispute_id.in_(dispute_ids))
            .order_by(DisputeStep.dispute_id, DisputeStep.seq))
    return list((await session.execute(stmt)).scalars())


async def panel_decision(session: AsyncSession, budget_id: str, decision_id: str) -> PanelDecision | None:
    stmt = select(PanelDecision).where(PanelDecision.budget_id == budget_id, PanelDecision.id == decision_id)
    return (await session.execute(stmt)).scalar_one_or_none()
