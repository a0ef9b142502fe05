"""BUD-07: ICB health funding, applied exactly once per ICB event id, in effective-date order, held until the
CYP has an open budget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.events import Envelope
from kit.inbox import insert_ignoring_duplicates
from kit.outbox import add_event
from services.budget import events
from services.budget import repository as repo
from services.budget.domain import newer_health_funding, pounds
from services.budget.ledger import agree
from services.budget.models import Budget, HealthFundingEvent
from services.budget.service import common


@dataclass(frozen=True)
class HealthFunding:
    """The ICB's payload, whichever channel brought it (REST or ``icb.health_funding.changed.v1``)."""

    event_id: str
    child_id: str
    local_authority: str
    annual_amount_pence: int
    effective_from: date
    reason: str


async def receive_health_funding(
    session: AsyncSession, funding: HealthFunding, *, channel: str, cause: Envelope | None = None
) -> dict:
    """Record the ICB event once and apply it to the CYP's open budget, or hold it until one opens."""
    await repo.lock_child(session, funding.local_authority, funding.child_id)
    fresh = await insert_ignoring_duplicates(
        session,
        HealthFundingEvent.__table__,
        {
            "event_id": funding.event_id,
            "local_authority": funding.local_authority,
            "child_id": funding.child_id,
            "annual_amount_pence": funding.annual_amount_pence,
            "effective_from": funding.effective_from,
            "reason": funding.reason,
            "channel": channel,
            "status": "held",
            "received_at": common.now(),
        },
    )
    event = await repo.health_event(session, funding.event_id)
    if not fresh:
        return outcome(event, "duplicate")
    budget = await repo.open_budget(session, funding.local_authority, funding.child_id)
    if budget is None:
        return outcome(event, "held")
    return outcome(event, await apply_to_budget(session, budget, event, cause))


async def apply_held(session: AsyncSession, budget: Budget, cause: Envelope | None = None) -> None:
    """Apply, in effective-date order, the events held for the CYP before this budget opened."""
    for event in await repo.health_events(
        session, budget.local_authority, budget.child_id, statuses=["held"]
    ):
        await apply_to_budget(session, budget, event, cause)


async def apply_to_budget(
    session: AsyncSession, budget: Budget, event: HealthFundingEvent, cause: Envelope | None
) -> str:
    event.budget_id = budget.id
    current = await _latest_applied(session, budget.id)
    if current is not None and not newer_health_funding(
        (event.effective_from, event.received_at), (current.effective_from, current.received_at)
    ):
        event.status = "superseded"  # BUD-07: an older event never overwrites a newer one
        return "superseded"
    previous_pence = (await repo.balances(session, budget.id))["health"].agreed_pence
    memo = (
        f"Health funding from the ICB set to {pounds(event.annual_amount_pence)} a year from "
        f"{event.effective_from.isoformat()} (was {pounds(previous_pence)}): {event.reason}"
    )
    await repo.post(
        session,
        budget.id,
        [
            agree(
                "health",
                event.annual_amount_pence - previous_pence,
                memo,
                kind="health_funding",
                reference=f"icb:{event.event_id}",
            )
        ],
        now=common.now(),
    )
    event.status, event.applied_at = "applied", common.now()
    await session.flush()
    await add_event(session, events.health_funding_applied(budget, event, previous_pence, cause))
    return "applied"


async def health_funded(session: AsyncSession, budget_id: str) -> bool:
    return await _latest_applied(session, budget_id) is not None


async def _latest_applied(session: AsyncSession, budget_id: str) -> HealthFundingEvent | None:
    stmt = (
        select(HealthFundingEvent)
        .where(HealthFundingEvent.budget_id == budget_id, HealthFundingEvent.status == "applied")
        .order_by(HealthFundingEvent.effective_from.desc(), HealthFundingEvent.received_at.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def outcome(event: HealthFundingEvent, what: str) -> dict:
    return {
        "event_id": event.event_id,
        "outcome": what,
        "status": event.status,
        "budget_id": event.budget_id,
        "child_id": event.child_id,
        "local_authority": event.local_authority,
        "annual_amount_pence": event.annual_amount_pence,
        "effective_from": event.effective_from,
    }
