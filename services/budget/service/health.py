"""BUD-07: ICB health funding, applied exactly once per ICB event id, in effective-date order, held until the
CYP has an open budget.

This is the busiest path of the service (every ICB event), so it is a handful of Core statements: lock the
CYP, read the health state in one query, record the event with its outcome (the insert is what makes a
duplicate a no-op), and only for an applied event post to the ledger and the outbox."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kit.events import Envelope
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


async def receive_health_funding(session: AsyncSession, funding: HealthFunding, *, channel: str,
                                 cause: Envelope | None = None) -> dict:
    """Record the ICB event once and apply it to the CYP's open budget, or hold it until one opens."""
    await repo.lock_child_row(session, funding.local_authority, funding.child_id)
    state = await repo.health_state(session, funding.local_authority, funding.child_id)
    received = common.now()
    what = _outcome(state, funding.effective_from, received)
    row = {"event_id": funding.event_id, "local_authority": funding.local_authority,
           "child_id": funding.child_id, "annual_amount_pence": funding.annual_amount_pence,
           "effective_from": funding.effective_from, "reason": funding.reason, "channel": channel,
           "status": what, "budget_id": state.budget_id, "received_at": received,
           "applied_at": received if what == "applied" else None}
    if not await repo.insert_health_event(session, row):
        known = await repo.health_event(session, funding.event_id)
        return outcome(_as_row(known), "duplicate")
    if what == "applied":
        await _post(session, row, previous_pence=state.health_agreed_pence, cause=cause)
    return outcome(row, what)


async def apply_held(session: AsyncSession, budget: Budget, cause: Envelope | None = None) -> None:
    """Apply, in effective-date order, the events held for the CYP before this budget opened."""
    held = await repo.health_events(session, budget.local_authority, budget.child_id, statuses=["held"])
    for event in held:
        state = await repo.health_state(session, budget.local_authority, budget.child_id)
        event.budget_id = state.budget_id
        event.status = _outcome(state, event.effective_from, event.received_at)
        if event.status == "applied":
            event.applied_at = common.now()
            await session.flush()
            await _post(session, _as_row(event), previous_pence=state.health_agreed_pence, cause=cause)
    await session.flush()


def _outcome(state: repo.HealthState, effective_from: date, received_at: datetime) -> str:
    if state.budget_id is None:
        return "held"  # BUD-07: never dropped; applied when a budget opens
    if newer_health_funding((effective_from, received_at), state.latest_applied):
        return "applied"
    return "superseded"  # an older event never overwrites a newer one


async def _post(session: AsyncSession, row: dict, *, previous_pence: int, cause: Envelope | None) -> None:
    amount = row["annual_amount_pence"]
    memo = (f"Health funding from the ICB set to {pounds(amount)} a year from "
            f"{row['effective_from'].isoformat()} (was {pounds(previous_pence)}): {row['reason']}")
    await repo.post(session, row["budget_id"], [agree("health", amount - previous_pence, memo,
                                                      kind="health_funding",
                                                      reference=f"icb:{row['event_id']}")], now=common.now())
    await add_event(session, events.health_funding_applied(row, previous_pence, cause))


async def health_funded(session: AsyncSession, budget: Budget) -> bool:
    state = await repo.health_state(session, budget.local_authority, budget.child_id)
    return state.budget_id == budget.id and state.latest_applied is not None


def _as_row(event: HealthFundingEvent) -> dict:
    return {c: getattr(event, c) for c in ("event_id", "local_authority", "child_id", "annual_amount_pence",
                                           "effective_from", "reason", "status", "budget_id")}


def outcome(row: dict, what: str) -> dict:
    keys = ("event_id", "status", "budget_id", "child_id", "local_authority", "annual_amount_pence",
            "effective_from")
    return {"outcome": what, **{k: row[k] for k in keys}}
