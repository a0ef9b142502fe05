"""Variations after agreement (BUD-10): increases apply at once; a reduction is a written notice with reasons,
one chance to ask for reconsideration, and applies only after the window or the reconsideration decision."""
from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from kit.db import Database
from kit.money import pounds
from kit.outbox import add_event
from kit.refusals import refused
from services.budget import events
from services.budget import repository as repo
from services.budget.domain.budget import cost_by_stream, refuse_reduction
from services.budget.domain.ledger import agree
from services.budget.domain.variations import (
    PENDING,
    VariationRefused,
    VariationState,
    due_to_apply,
    proposed,
    reconsideration_asked,
    reconsideration_decided,
)
from services.budget.models import Budget, Variation
from services.budget.service import common, sufficiency


def _state(variation: Variation) -> VariationState:
    return VariationState(variation.kind, variation.status, variation.reconsider_by)


async def vary(session: AsyncSession, budget: Budget, *, stream: str, agreed_pence: int, reasons: str,
               reconsideration_days: int) -> Variation:
    """Change a stream's agreed amount on an agreed budget (BUD-10)."""
    current = (await repo.balances(session, budget.id))[stream].agreed_pence
    pending = any(v.stream == stream and v.status in PENDING for v in await repo.variations(session, budget.id))
    with refused(VariationRefused):
        proposal = proposed(budget.status, stream=stream, current_pence=current, to_pence=agreed_pence,
                            pending_reduction=pending, today=common.today(),
                            reconsideration_days=reconsideration_days, current_words=pounds(current))
    if not proposal.applies_now:
        lines = [common.line_of(p) for p in await repo.provisions(session, budget.id)]
        if uncovered := refuse_reduction(lines, stream, agreed_pence):  # BUD-05
            raise common.violation(uncovered)
    variation = Variation(id=str(uuid.uuid4()), budget_id=budget.id, stream=stream, kind=proposal.kind,
                          from_pence=current, to_pence=agreed_pence, reasons=reasons, status=proposal.status,
                          reconsider_by=proposal.reconsider_by, notice_issued_on=common.today(),
                          created_at=common.now())
    session.add(variation)
    if proposal.applies_now:
        await _apply(session, budget, variation)
        return variation
    await session.flush()
    return variation


async def ask_reconsideration(session: AsyncSession, variation: Variation, reason: str) -> None:
    """The family's one reconsideration of a reduction, within the notice window (BUD-10)."""
    with refused(VariationRefused):
        variation.status = reconsideration_asked(_state(variation), common.today())
    variation.reconsideration_reason = reason


async def decide_reconsideration(
    session: AsyncSession, budget: Budget, variation: Variation, outcome: str
) -> None:
    """BUD-10: the reconsideration decided: upheld applies the reduction now, withdrawn keeps the agreed amount."""
    with refused(VariationRefused):
        status = reconsideration_decided(_state(variation), outcome)
    variation.reconsideration_outcome = outcome
    if status == "applied":
        await _apply(session, budget, variation)
    else:
        variation.status = status


async def apply_when_due(session: AsyncSession, budget: Budget, variation: Variation) -> None:
    """Apply a reduction whose reconsideration window has passed without a request (BUD-10)."""
    with refused(VariationRefused):
        due_to_apply(_state(variation), common.today())
    await _apply(session, budget, variation)


async def apply_due_reductions(db: Database, settings: object, *, batch: int = 100) -> int:
    """The scheduled job (kit.jobs): apply every reduction whose window closed without a request for
    reconsideration, as ``POST …/apply`` would; how many it applied. A budget no longer agreed (closed) keeps its
    notice unapplied, and is not selected."""
    applied = 0
    while True:
        async with db.transaction() as session:
            due = await repo.due_reductions(session, today=common.today(), limit=batch)
            for variation in due:
                await _apply(session, await repo.budget_by_id(session, variation.budget_id, lock=True), variation)
                applied += 1
        if len(due) < batch:
            return applied


async def _apply(session: AsyncSession, budget: Budget, variation: Variation) -> None:
    current = (await repo.balances(session, budget.id))[variation.stream].agreed_pence
    memo = (
        f"{variation.stream.replace('_', ' ').capitalize()} budget varied from {pounds(current)} to "
        f"{pounds(variation.to_pence)}: {variation.reasons}"
    )
    await repo.post(
        session,
        budget.id,
        [agree(variation.stream, variation.to_pence - current, memo, kind="variation")],
        now=common.now(),
    )
    variation.status, variation.applied_at = "applied", common.now()
    await session.flush()
    await add_event(
        session,
        events.budget_varied(
            budget,
            variation_id=variation.id,
            stream=variation.stream,
            from_pence=current,
            to_pence=variation.to_pence,
            reasons=variation.reasons,
            direct_payment_pence=min(variation.to_pence,
                                     await _direct_payment_share(session, budget, variation.stream)),
            effective_from=common.today(),
        ),
    )
    await sufficiency.recheck(session, budget, variation.stream, variation_id=variation.id)  # BUD-05


async def _direct_payment_share(session: AsyncSession, budget: Budget, stream: str) -> int:
    """The stream's direct-payment share: the annual cost of its direct-payment provision lines."""
    lines = [common.line_of(p) for p in await repo.provisions(session, budget.id)]
    return cost_by_stream(lines, arrangement="direct_payment").get(stream, 0)


async def of_budget(session: AsyncSession, budget: Budget) -> list[Variation]:
    """Every variation of the budget, oldest first."""
    return await repo.variations(session, budget.id)


async def find(session: AsyncSession, budget: Budget, variation_id: str) -> Variation:
    """One variation of the budget, or 404."""
    return await repo.variation(session, budget.id, variation_id)
