"""Reviews (BUD-09): the first within 3 months of agreement, then at least every 12 months, and on request."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kit.errors import Conflict
from services.budget.domain import first_review_due, next_review_after
from services.budget.models import Budget, Review
from services.budget.service import common


async def record(session: AsyncSession, budget: Budget, *, reviewed_on: date, kind: str, notes: str,
                 by: str) -> Review:
    """Record a review held; the next one falls due 12 months later."""
    if budget.status != "agreed":
        raise Conflict(f"reviews are of agreed budgets; this one is {budget.status}")
    review = Review(
        id=str(uuid.uuid4()),
        budget_id=budget.id,
        kind=kind,
        reviewed_on=reviewed_on,
        notes=notes,
        recorded_by=by,
        created_at=common.now(),
    )
    session.add(review)
    budget.next_review_due = next_review_after(reviewed_on)
    budget.next_review_kind = "annual"
    budget.next_review_reason = f"BUD-09: at least every 12 months; the last review was held on {reviewed_on}"
    await session.flush()
    return review


async def request(
    session: AsyncSession, budget: Budget, *, requested_on: date, reason: str, by: str
) -> Review:
    """The family asked, or circumstances changed: a review falls due at once (listed as due from
    that date)."""
    if budget.status != "agreed":
        raise Conflict(f"reviews are of agreed budgets; this one is {budget.status}")
    return await bring_forward(session, budget, due=requested_on, kind="request", reason=reason, by=by)


async def bring_forward(session: AsyncSession, budget: Budget, *, due: date, kind: str, reason: str,
                        by: str) -> Review:
    """Record why a review is wanted, due on ``due``; the budget's next review moves to that date if it is
    sooner (never later), with its kind and reason (BUD-09: whenever the family asks or circumstances change)."""
    review = Review(id=str(uuid.uuid4()), budget_id=budget.id, kind=kind, reviewed_on=due, notes=reason,
                    recorded_by=by, created_at=common.now())
    session.add(review)
    if budget.next_review_due is None or due <= budget.next_review_due:
        budget.next_review_due, budget.next_review_kind, budget.next_review_reason = due, kind, reason
    await session.flush()
    return review


def due_because(budget: Budget) -> tuple[str | None, str | None]:
    """Why the budget's next review falls due: (kind, reason). A due date set by agreement (or before the budget
    kept its reason) is the first review if it is 3 months after agreement, else the yearly one."""
    if budget.next_review_kind is not None or budget.next_review_due is None:
        return budget.next_review_kind, budget.next_review_reason
    if budget.agreed_at is not None and budget.next_review_due == first_review_due(budget.agreed_at.date()):
        return "first", "BUD-09: the first review, within 3 months of agreement"
    return "annual", "BUD-09: at least every 12 months"


def review_view(r: Review) -> dict:
    return {"id": r.id, "kind": r.kind, "on": r.reviewed_on, "notes": r.notes, "recorded_by": r.recorded_by}
