"""BUD-05 after agreement: a stream whose agreed amount no longer secures its agreed provision is never silently
short. Only the ICB can make that happen (health funding, BUD-07): agreement refuses an insufficient stream, and
variations and provision added after agreement are refused if they would leave one. When it happens the budget is
flagged (an ``Insufficiency`` per stream, open until funding or a variation covers the provision again), an early
review falls due (BUD-09) and ``budget.insufficient.v1`` says so; ``budget.insufficiency_cleared.v1`` says when it
is covered again.

A budget not yet agreed is never flagged: its stream is judged when it is agreed, and agreement is refused while
the ICB's amount does not cover the health provision. Held ICB events (BUD-07) apply only as a new budget opens, so
they never flag one either; what they leave short is refused at agreement."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kit.events import Envelope
from kit.money import pounds
from kit.outbox import add_event
from services.budget import events
from services.budget import repository as repo
from services.budget.domain.budget import coverage, shortfall
from services.budget.models import Budget, Insufficiency
from services.budget.service import common, reviews

REVIEW_KIND = "insufficient_funding"


@dataclass(frozen=True)
class Change:
    """A stream's amount changed in a way that makes it short, short by another amount, or covered again."""

    budget_id: str
    stream: str
    agreed_pence: int
    cost_pence: int
    effective_from: date
    icb_event_id: str | None = None
    variation_id: str | None = None
    cause: Envelope | None = None


def judge_health(state: repo.HealthState, row: dict, cause: Envelope | None) -> Change | None:
    """The change an applied ICB event makes to the health stream's sufficiency, judged from the CYP's health
    state after it (no query: the hot path), or None if nothing changes."""
    if state.status != "agreed":
        return None
    short = state.health_agreed_pence < state.health_cost_pence
    if (short and state.flagged_pence == state.health_agreed_pence) or (not short and state.flagged_pence is None):
        return None
    return Change(state.budget_id, "health", state.health_agreed_pence, state.health_cost_pence,
                  row["effective_from"], icb_event_id=row["event_id"], cause=cause)


async def settle_all(session: AsyncSession, changes: list[Change]) -> None:
    """Flag, reflag or clear each change's stream, in order (their budgets are locked by the caller)."""
    for change in changes:
        await settle(session, await repo.budget_by_id(session, change.budget_id), change)


async def recheck(session: AsyncSession, budget: Budget, stream: str, *, variation_id: str) -> None:
    """After a variation of an agreed budget's stream: clear its flag if the stream covers its provision again
    (or flag it, should it not)."""
    if budget.status != "agreed":
        return
    agreed = (await repo.balances(session, budget.id))[stream].agreed_pence
    cover = coverage([common.line_of(p) for p in await repo.provisions(session, budget.id)], stream, agreed)
    flag = await repo.open_insufficiency(session, budget.id, stream)
    if (cover.covered and flag is None) or (flag is not None and flag.agreed_pence == agreed):
        return
    await settle(session, budget, Change(budget.id, stream, agreed, cover.cost_pence, common.today(),
                                         variation_id=variation_id), flag=flag)


async def settle(session: AsyncSession, budget: Budget, change: Change, *,
                 flag: Insufficiency | None = None) -> None:
    flag = flag or await repo.open_insufficiency(session, budget.id, change.stream)
    refusal = shortfall(change.stream, change.agreed_pence, change.cost_pence)
    if refusal is None:
        if flag is not None:
            await _clear(session, budget, flag, change)
        return
    now = common.now()
    if flag is None:
        flag = Insufficiency(id=str(uuid.uuid4()), budget_id=budget.id, stream=change.stream, rule=refusal.rule,
                             since=change.effective_from, flagged_at=now)
        session.add(flag)
    flag.agreed_pence, flag.provision_cost_pence = change.agreed_pence, change.cost_pence
    flag.message, flag.icb_event_id = refusal.message, change.icb_event_id
    # BUD-09: circumstances changed; the review falls due when the cut takes effect, or today if that is sooner.
    due = min(change.effective_from, common.today())
    await reviews.bring_forward(session, budget, due=due, kind=REVIEW_KIND, reason=f"BUD-05: {refusal.message}",
                                by=f"icb:{change.icb_event_id}" if change.icb_event_id else "budget service")
    await add_event(session, events.budget_insufficient(
        budget, stream=change.stream, agreed_pence=change.agreed_pence, provision_cost_pence=change.cost_pence,
        since=flag.since, effective_from=change.effective_from,
        reasons=[{"rule": refusal.rule, "message": refusal.message}], icb_event_id=change.icb_event_id,
        review_due=budget.next_review_due, cause=change.cause))


async def _clear(session: AsyncSession, budget: Budget, flag: Insufficiency, change: Change) -> None:
    flag.cleared_on, flag.cleared_at = change.effective_from, common.now()
    flag.cleared_by = f"icb:{change.icb_event_id}" if change.icb_event_id else f"variation:{change.variation_id}"
    await session.flush()
    reason = (f"{change.stream.replace('_', ' ')}: {pounds(change.agreed_pence)} a year covers the agreed "
              f"provision costing {pounds(change.cost_pence)} a year again")
    await add_event(session, events.budget_insufficiency_cleared(
        budget, stream=change.stream, agreed_pence=change.agreed_pence, provision_cost_pence=change.cost_pence,
        since=flag.since, cleared_on=change.effective_from, reason=reason, icb_event_id=change.icb_event_id,
        variation_id=change.variation_id, cause=change.cause))
