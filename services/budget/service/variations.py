"""Variations after agreement (BUD-10): increases apply at once; a reduction is a written notice with reasons,
one chance to ask for reconsideration, and applies only after the window or the reconsideration decision."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kit.db import Database
from kit.errors import Conflict, InvalidInput, RuleViolation
from kit.money import pounds
from kit.outbox import add_event
from services.budget import events
from services.budget import repository as repo
from services.budget.domain.budget import cost_by_stream, refuse_reduction
from services.budget.domain.ledger import agree
from services.budget.models import Budget, Variation
from services.budget.service import common, sufficiency

PENDING = ("notice_issued", "reconsideration_requested")


async def vary(session: AsyncSession, budget: Budget, *, stream: str, agreed_pence: int, reasons: str,
               reconsideration_days: int) -> Variation:
    """Change a stream's agreed amount on an agreed budget."""
    if budget.status != "agreed":
        raise Conflict(f"only an agreed budget is varied; this one is {budget.status}")
    current = (await repo.balances(session, budget.id))[stream].agreed_pence
    if agreed_pence == current:
        raise InvalidInput.field(
            "agreed_pence", f"the {stream} stream is already agreed at {pounds(current)}"
        )
    if any(v.stream == stream and v.status in PENDING for v in await repo.variations(session, budget.id)):
        raise Conflict(f"a reduction of the {stream} stream is already pending", rule="BUD-10")
    variation = Variation(
        id=str(uuid.uuid4()),
        budget_id=budget.id,
        stream=stream,
        kind="increase" if agreed_pence > current else "reduction",
        from_pence=current,
        to_pence=agreed_pence,
        reasons=reasons,
        status="notice_issued",
        notice_issued_on=common.today(),
        created_at=common.now(),
    )
    session.add(variation)
    if variation.kind == "increase":
        await _apply(session, budget, variation)
        return variation
    lines = [common.line_of(p) for p in await repo.provisions(session, budget.id)]
    if uncovered := refuse_reduction(lines, stream, agreed_pence):  # BUD-05
        raise common.violation(uncovered)
    variation.reconsider_by = common.today() + timedelta(days=reconsideration_days)
    await session.flush()
    return variation


async def ask_reconsideration(session: AsyncSession, variation: Variation, reason: str) -> None:
    """The family's one reconsideration of a reduction, within the notice window (BUD-10)."""
    if variation.kind != "reduction" or variation.status != "notice_issued":
        raise RuleViolation(
            "a reduction allows one reconsideration, asked while its notice stands", rule="BUD-10"
        )
    if common.today() > variation.reconsider_by:
        raise RuleViolation(
            f"the window to ask for reconsideration closed on {variation.reconsider_by}", rule="BUD-10"
        )
    variation.status, variation.reconsideration_reason = "reconsideration_requested", reason


async def decide_reconsideration(
    session: AsyncSession, budget: Budget, variation: Variation, outcome: str
) -> None:
    if variation.status != "reconsideration_requested":
        raise Conflict("no reconsideration of this variation is waiting for a decision")
    variation.reconsideration_outcome = outcome
    if outcome == "upheld":
        await _apply(session, budget, variation)
    else:
        variation.status = "withdrawn"


async def apply_when_due(session: AsyncSession, budget: Budget, variation: Variation) -> None:
    """Apply a reduction whose reconsideration window has passed without a request (BUD-10)."""
    if variation.status != "notice_issued" or variation.kind != "reduction":
        raise Conflict(f"this variation is {variation.status}")
    if common.today() <= variation.reconsider_by:
        raise RuleViolation(
            f"the family may ask for reconsideration until {variation.reconsider_by}; the "
            "reduction applies after that",
            rule="BUD-10",
            reconsider_by=str(variation.reconsider_by),
        )
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
