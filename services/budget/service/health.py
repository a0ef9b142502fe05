"""BUD-07: ICB health funding, applied exactly once per ICB event id, in effective-date order, held until the
CYP has an open budget.

This is the busiest path of the service (every ICB event), so a batch of events (the consumer's group commit, or
the one event of a REST call) is applied with the same few set-based Core statements whatever its size: lock the
CYPs, read their health states in one query, find the event ids already recorded, work out each event's outcome
in arrival order in Python, then record the events, their ledger postings and their outbox events with one
multi-row insert each.

An applied event that leaves an agreed budget's health stream below the cost of its agreed health provision (or
covers it again) is settled by ``sufficiency`` (BUD-05): judged from the same health state, so only such events
cost further statements."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kit.bus import Unauthorised
from kit.errors import Conflict
from kit.events import Envelope
from kit.money import pounds
from kit.outbox import add_events
from services.budget import events
from services.budget import repository as repo
from services.budget.domain.budget import newer_health_funding
from services.budget.domain.ledger import Posting, agree
from services.budget.models import Budget, HealthFundingEvent
from services.budget.service import common, sufficiency

HealthFunding = events.HealthFundingChanged  # the ICB's payload, whichever channel brought it (REST or the bus)


REST_LOCK_WAIT_SECONDS = 1.0


def ensure_publishers_may(received: Sequence[tuple[HealthFunding, Envelope]],
                          refusal: Callable[[str | None, str], str | None]) -> None:
    """ICB tenancy over AMQP, as the token's LAs are over REST: each event's publisher (the broker user its
    validated ``user_id`` names) must be allowed for the child's LA (``refusal`` says why not). Otherwise nothing
    of it is applied: it is dead-lettered with the reason (``Unauthorised``), for the operator to see. It is not a
    business refusal event: it did not come from someone entitled to be answered."""
    for funding, envelope in received:
        if why := refusal(envelope.publisher, funding.local_authority):
            raise Unauthorised(f"{envelope.type} {funding.event_id} for {funding.local_authority} not applied: {why}")


async def receive_health_funding(session: AsyncSession, funding: HealthFunding, *, channel: str,
                                 cause: Envelope | None = None) -> dict:
    """Record the ICB event once and apply it to the CYP's open budget, or hold it until one opens. A caller who is
    waiting (REST) waits at most ``REST_LOCK_WAIT_SECONDS`` for the child's lock, which a consumer's batch may hold:
    past it the answer is 503 with Retry-After, not a pooled connection held until the batch commits."""
    if channel == "rest":
        await repo.wait_for_locks_at_most(session, REST_LOCK_WAIT_SECONDS)
    return (await receive_many(session, [(funding, cause)], channel=channel))[0]


async def receive_many(session: AsyncSession, received: Sequence[tuple[HealthFunding, Envelope | None]], *,
                       channel: str) -> list[dict]:
    """Record and apply ICB events in arrival order (each with the event that brought it, if any); the outcome of
    each: ``applied``, ``held``, ``superseded`` or ``duplicate`` (its event_id was recorded before)."""
    children = [(f.local_authority, f.child_id) for f, _ in received]
    await repo.lock_children(session, children)
    states = await repo.health_states(session, children)
    recorded = await repo.known_health_events(session, [f.event_id for f, _ in received])
    start = common.now()
    rows, postings, applied, changes, results = [], [], [], [], []
    for i, (funding, cause) in enumerate(received):
        if funding.event_id in recorded:
            results.append(outcome(recorded[funding.event_id], "duplicate"))
            continue
        child = (funding.local_authority, funding.child_id)
        state = states[child]
        arrived = start + timedelta(microseconds=i)  # arrival order within the batch breaks effective-date ties
        what = _outcome(state, funding.effective_from, arrived)
        row = {"event_id": funding.event_id, "local_authority": funding.local_authority,
               "child_id": funding.child_id, "annual_amount_pence": funding.annual_amount_pence,
               "effective_from": funding.effective_from, "reason": funding.reason, "channel": channel,
               "status": what, "budget_id": state.budget_id, "received_at": arrived,
               "applied_at": arrived if what == "applied" else None}
        if what == "applied":
            states[child] = _apply(row, state, cause, postings, applied, changes)
        recorded[funding.event_id] = row
        rows.append(row)
        results.append(outcome(row, what))
    if len(await repo.insert_health_events(session, rows)) != len(rows):
        # Another transaction recorded one of these event ids since we looked (an id reused for another CYP,
        # whose lock we do not hold): nothing of this batch is kept; the consumer retries event by event.
        raise Conflict("an ICB event_id in this batch was recorded meanwhile; retry")
    await repo.post_many(session, postings, now=start)
    await add_events(session, applied)
    await sufficiency.settle_all(session, changes)
    return results


async def apply_held(session: AsyncSession, budget: Budget, cause: Envelope | None = None) -> None:
    """Apply, in effective-date order, the events held for the CYP before this budget opened. The budget is new,
    so not agreed: no stream of it is flagged insufficient (BUD-05 is checked when it is agreed)."""
    held = await repo.health_events(session, budget.local_authority, budget.child_id, statuses=["held"])
    state = await repo.health_state(session, budget.local_authority, budget.child_id)
    postings, applied, changes = [], [], []
    for event in held:
        event.budget_id = state.budget_id
        event.status = _outcome(state, event.effective_from, event.received_at)
        if event.status == "applied":
            event.applied_at = common.now()
            state = _apply(_as_row(event), state, cause, postings, applied, changes)
    await session.flush()
    await repo.post_many(session, postings, now=common.now())
    await add_events(session, applied)
    await sufficiency.settle_all(session, changes)


def _apply(row: dict, state: repo.HealthState, cause: Envelope | None, postings: list, applied: list,
           changes: list) -> repo.HealthState:
    """An ICB event applied to the health stream: its ledger posting (none if the amount is unchanged), its
    budget.health_funding_applied.v1 and the change it makes to the stream's sufficiency (BUD-05), if any,
    collected for one write; the CYP's health state after it."""
    posting = _posting(row, state.health_agreed_pence)
    if posting is not None:
        postings.append((state.budget_id, posting))
    applied.append(events.health_funding_applied(row, state.health_agreed_pence, cause))
    after = state.after(latest_applied=(row["effective_from"], row["received_at"]),
                        health_agreed_pence=row["annual_amount_pence"])
    change = sufficiency.judge_health(after, row, cause)
    if change is None:
        return after
    changes.append(change)
    short = change.agreed_pence < change.cost_pence
    return after.after(flagged_pence=change.agreed_pence if short else None)


def _outcome(state: repo.HealthState, effective_from: date, received_at: datetime) -> str:
    if state.budget_id is None:
        return "held"  # BUD-07: never dropped; applied when a budget opens
    if newer_health_funding((effective_from, received_at), state.latest_applied):
        return "applied"
    return "superseded"  # an older event never overwrites a newer one


def _posting(row: dict, previous_pence: int) -> Posting | None:
    amount = row["annual_amount_pence"]
    memo = (f"Health funding from the ICB set to {pounds(amount)} a year from "
            f"{row['effective_from'].isoformat()} (was {pounds(previous_pence)}): {row['reason']}")
    return agree("health", amount - previous_pence, memo, kind="health_funding", reference=f"icb:{row['event_id']}")


async def health_funded(session: AsyncSession, budget: Budget) -> bool:
    state = await repo.health_state(session, budget.local_authority, budget.child_id)
    return state.budget_id == budget.id and state.latest_applied is not None


def _as_row(event: HealthFundingEvent) -> dict:
    return {c: getattr(event, c) for c in ("event_id", "local_authority", "child_id", "annual_amount_pence",
                                           "effective_from", "reason", "status", "budget_id", "received_at")}


def outcome(row: dict, what: str) -> dict:
    keys = ("event_id", "status", "budget_id", "child_id", "local_authority", "annual_amount_pence",
            "effective_from")
    return {"outcome": what, **{k: row[k] for k in keys}}
