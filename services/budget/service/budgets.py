"""Finding a caller's budgets (BUD-01) and each as callers see it: one by id, or a page of them, always within the
caller's LAs."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.pagination import page_of
from services.budget import repository as repo
from services.budget.domain.ledger import STREAMS, StreamBalance
from services.budget.models import Budget, Insufficiency, PanelDecision, Provision

T = TypeVar("T", Provision, PanelDecision, Insufficiency)


@dataclass(frozen=True)
class Detail:
    """A budget with its per-stream balances (sums of ledger entries, BUD-08), provision, panel decisions and the
    streams that no longer cover their agreed provision (BUD-05: an ICB cut, until covered again)."""

    budget: Budget
    streams: dict[str, StreamBalance]
    provisions: list[Provision]
    panel_decisions: list[PanelDecision]
    insufficient: list[Insufficiency]


@dataclass(frozen=True)
class Listing:
    items: list[Detail]
    next_cursor: str | None


async def load(session: AsyncSession, budget_id: str, caller: Caller, *, lock: bool = False) -> Budget:
    """The caller's budget, or 404 (also for another LA's budget); ``lock`` for a change to it."""
    return await repo.budget_for(session, budget_id, caller, lock=lock)


async def detail(session: AsyncSession, budget: Budget) -> Detail:
    return (await details(session, [budget]))[0]


async def details(session: AsyncSession, budgets: Sequence[Budget]) -> list[Detail]:
    """Each budget's detail, with the same four queries however many budgets there are (a page of a list costs
    what one budget does, not four queries more per budget)."""
    ids = [b.id for b in budgets]
    balances = await repo.balances_of(session, ids)
    provisions = _by_budget(await repo.provisions_of(session, ids))
    decisions = _by_budget(await repo.panel_decisions_of(session, ids))
    insufficient = _by_budget(await repo.open_insufficiencies_of(session, ids))
    return [Detail(b, {s: balances[b.id][s] for s in STREAMS}, provisions.get(b.id, []), decisions.get(b.id, []),
                   insufficient.get(b.id, [])) for b in budgets]


def _by_budget(rows: Iterable[T]) -> dict[str, list[T]]:
    grouped: dict[str, list[T]] = {}
    for row in rows:
        grouped.setdefault(row.budget_id, []).append(row)
    return grouped


async def listing(session: AsyncSession, caller: Caller, *, child_id: str | None, limit: int,
                  cursor: str | None) -> Listing:
    """The caller's LAs' budgets, newest first, optionally for one child, and the cursor of the next page."""
    rows = await repo.list_budgets(session, caller, child_id=child_id, limit=limit, cursor=cursor)
    page, next_cursor = page_of(rows, limit=limit)
    return Listing(await details(session, page), next_cursor)
