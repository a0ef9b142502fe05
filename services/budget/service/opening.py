"""Opening a budget: by casework, or from an eligible request and a RAS result in either order (BUD-01)."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kit.errors import RuleViolation
from kit.events import Envelope
from kit.money import pounds
from kit.outbox import add_event
from services.budget import events
from services.budget import repository as repo
from services.budget.domain.budget import default_period, periods_overlap
from services.budget.domain.ledger import STREAMS, indicative
from services.budget.models import Budget, Child
from services.budget.service import common
from services.budget.service.health import apply_held


async def open_budget(session: AsyncSession, *, la: str, child_id: str, plan_reference: str,
                      period: tuple[date, date], indicative_pence: Mapping[str, int] | None,
                      cause: Envelope | None = None) -> Budget:
    """Open the CYP's budget for a plan period. Without indicative amounts they come from the CYP's latest RAS
    result (eligible streams only, when an eligibility decision is known)."""
    child = await repo.lock_child(session, la, child_id)
    clash = await _clashing_budget(session, la, child_id, period)
    if clash is not None:
        raise RuleViolation(
            f"BUD-01: child {child_id} already has budget {clash.id} for a plan period overlapping "
            f"{period[0].isoformat()}..{period[1].isoformat()}; there is one budget per CYP per plan period",
            rule="BUD-01", budget_id=clash.id)
    amounts = dict(indicative_pence) if indicative_pence is not None else _from_ras(child)
    budget = Budget(
        id=str(uuid.uuid4()),
        local_authority=la,
        child_id=child_id,
        plan_reference=plan_reference,
        period_start=period[0],
        period_end=period[1],
        status="indicative" if any(amounts.values()) else "draft",
        opened_from="events" if cause is not None else "manual",
        created_at=common.now(),
    )
    session.add(budget)
    await session.flush()
    await repo.post(
        session,
        budget.id,
        [
            indicative(
                stream,
                amount,
                f"Indicative {stream.replace('_', ' ')} budget of {pounds(amount)} "
                "(RAS-05: a starting point for planning)",
            )
            for stream, amount in sorted(amounts.items())
        ],
        now=common.now(),
    )
    await add_event(session, events.budget_opened(budget, amounts, cause))
    await apply_held(session, budget, cause)
    return budget


async def record_decision(session: AsyncSession, cause: Envelope, *, la: str, child_id: str, request_id: str,
                          status: str, eligible_streams: list[str], streams: dict, arrangements: dict,
                          decided_at: datetime, requested_on: date) -> None:
    """Remember the CYP's latest eligibility decision (an older one arriving late does not replace a newer one);
    open a budget if a RAS result is already there."""
    child = await repo.lock_child(session, la, child_id)
    if child.eligibility_decided_at is not None and child.eligibility_decided_at > decided_at:
        return
    child.eligibility_request_id, child.eligibility_status = request_id, status
    child.eligible_streams = [s for s in eligible_streams if s in STREAMS]
    child.eligibility = {"streams": streams, "arrangements": arrangements}
    child.eligibility_decided_at, child.requested_on = decided_at, requested_on
    await session.flush()
    await open_from_events(session, child, cause)


async def record_assessment(session: AsyncSession, cause: Envelope, *, la: str, child_id: str, assessment_id: str,
                            indicative_pence: Mapping[str, int], completed_at: datetime) -> None:
    """Remember the CYP's latest RAS result; open a budget if an eligible request is already there."""
    child = await repo.lock_child(session, la, child_id)
    if child.ras_completed_at is not None and child.ras_completed_at > completed_at:
        return
    child.ras_assessment_id, child.ras_completed_at = assessment_id, completed_at
    child.ras_indicative = {s: int(v) for s, v in indicative_pence.items() if s in STREAMS}
    await session.flush()
    await open_from_events(session, child, cause)


async def open_from_events(session: AsyncSession, child: Child, cause: Envelope) -> Budget | None:
    """Open a budget once the CYP has both an eligible request and a RAS result, if none is open.

    Auto-opened budgets use ``plan_reference = "REQ-<eligibility request id>"`` and a one-year plan period
    starting on the later of the request date and the RAS completion date."""
    if (
        child.eligibility_status not in ("eligible", "partially_eligible")
        or not child.eligible_streams
        or child.ras_indicative is None
    ):
        return None
    current = await repo.open_budget(session, child.local_authority, child.child_id)
    if current is not None:
        locked = await repo.budget_by_id(session, current.id, lock=True)  # status may be changing (submit)
        await _refresh_indicative(session, locked, _from_ras(child))
        return None
    start = max(child.requested_on or child.ras_completed_at.date(), child.ras_completed_at.date())
    period = default_period(start)
    if await _clashing_budget(session, child.local_authority, child.child_id, period, any_status=True):
        return None
    return await open_budget(
        session,
        la=child.local_authority,
        child_id=child.child_id,
        plan_reference=f"REQ-{child.eligibility_request_id}",
        period=period,
        indicative_pence=_from_ras(child),
        cause=cause,
    )


async def _refresh_indicative(session: AsyncSession, budget: Budget, amounts: dict[str, int]) -> None:
    """A newer RAS result (or eligibility decision) moves the indicative figures of a budget opened from
    events, until it goes to panel; after that the panel's amounts are what count (RAS-05)."""
    if budget.opened_from != "events" or budget.status not in ("draft", "indicative"):
        return
    balances = await repo.balances(session, budget.id)
    await repo.post(session, budget.id, [
        indicative(s, amounts.get(s, 0) - balances[s].indicative_pence,
                   f"Indicative {s.replace('_', ' ')} budget now {pounds(amounts.get(s, 0))} "
                   "(newer RAS result)")
        for s in STREAMS], now=common.now())
    budget.status = "indicative" if any(amounts.values()) else "draft"


def _from_ras(child: Child) -> dict[str, int]:
    ras = child.ras_indicative or {}
    if child.eligible_streams is None:
        return {s: int(v) for s, v in ras.items()}
    return {s: int(v) for s, v in ras.items() if s in child.eligible_streams}


async def _clashing_budget(
    session: AsyncSession, la: str, child_id: str, period: tuple[date, date], *, any_status: bool = False
) -> Budget | None:
    for b in await repo.budgets_of_child(session, la, child_id):
        same_start = b.period_start == period[0]  # the unique key, even for a closed budget
        if same_start or (
            (any_status or b.status != "closed") and periods_overlap((b.period_start, b.period_end), period)
        ):
            return b
    return None
