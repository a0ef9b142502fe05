"""Finding a caller's budgets (BUD-01) and each as callers see it: one by id, or a page of them, always within the
caller's LAs."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.pagination import page_of
from services.budget import repository as repo
from services.budget.domain.ledger import STREAMS, StreamBalance
from services.budget.models import Budget, Insufficiency, PanelDecision, Provision


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
    balances = await repo.balances(session, budget.id)
    return Detail(budget, {s: balances[s] for s in STREAMS}, await repo.provisions(session, budget.id),
                  await repo.panel_decisions(session, budget.id), await repo.insufficiencies(session, budget.id))


async def listing(session: AsyncSession, caller: Caller, *, child_id: str | None, limit: int,
                  cursor: str | None) -> Listing:
    """The caller's LAs' budgets, newest first, optionally for one child, and the cursor of the next page."""
    rows = await repo.list_budgets(session, caller, child_id=child_id, limit=limit, cursor=cursor)
    page, next_cursor = page_of(rows, limit=limit)
    return Listing([await detail(session, b) for b in page], next_cursor)
