"""What contracts knows of budgets, and the check a release must pass against it: the budget exists, belongs to
the LA and child named, and has not closed (BUD-01, BUD-06, BUD-08). Fed by the budget service's events, so a
transfer decision never waits on the budget service; a release that passed here and still reaches a budget that
closed in between is refused by the budget with an event, and contracts gives the units back (``refuse``)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kit.errors import RuleViolation
from services.contracts import repository
from services.contracts.models import KnownBudget

RANK = {"open": 0, "agreed": 1, "closed": 2}  # a budget only moves forward through these


async def record(session: AsyncSession, p: dict, *, status: str, occurred_at: datetime) -> None:
    budget = await repository.known_budget(session, p["budget_id"], lock=True)
    if budget is None:
        budget = KnownBudget(budget_id=p["budget_id"], status=status, as_of=occurred_at)
        session.add(budget)
    budget.local_authority, budget.child_id = p["local_authority"], p["child_id"]
    if RANK[status] >= RANK[budget.status]:
        budget.status = status
    if status == "closed":
        budget.closed_on = date.fromisoformat(p["closed_on"])
    budget.as_of = max(budget.as_of, occurred_at)
    await session.flush()


async def check_release(session: AsyncSession, *, la: str, budget_id: str, child_id: str) -> KnownBudget:
    """Before any capacity is used: the budget must be one contracts knows, of this LA and this child, not closed."""
    budget = await repository.known_budget(session, budget_id)
    if budget is None or budget.local_authority != la:  # another LA's budget is not revealed
        raise RuleViolation(
            f"no budget {budget_id} is known to contracts for this local authority: funds are released only into "
            "an open personal budget (BUD-08); if it was opened a moment ago, try again shortly", rule="BUD-08",
            errors=[{"field": "budget_id", "message": "not an open budget of this local authority"}])
    if budget.child_id != child_id:
        raise RuleViolation(f"budget {budget_id} is not the budget of child {child_id}", rule="BUD-01",
                            errors=[{"field": "child_id", "message": "not the child of this budget"}])
    if budget.status == "closed":
        raise RuleViolation(f"budget {budget_id} closed on {budget.closed_on}: nothing more is released into it",
                            rule="BUD-06", errors=[{"field": "budget_id", "message": "the budget is closed"}])
    return budget
