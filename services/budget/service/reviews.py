"""Reviews (BUD-09): the first within 3 months of agreement, then at least every 12 months, and on request."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kit.errors import Conflict
from services.budget.domain import next_review_after
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
    await session.flush()
    return review


async def request(
    session: AsyncSession, budget: Budget, *, requested_on: date, reason: str, by: str
) -> Review:
    """The family asked, or circumstances changed: a review falls due at once (listed as due from
    that date)."""
    if budget.status != "agreed":
        raise Conflict(f"reviews are of agreed budgets; this one is {budget.status}")
    review = Review(
        id=str(uuid.uuid4()),
        budget_id=budget.id,
        kind="request",
        reviewed_on=requested_on,
        notes=reason,
        recorded_by=by,
        created_at=common.now(),
    )
    session.add(review)
    if budget.next_review_due is None or requested_on < budget.next_review_due:
        budget.next_review_due = requested_on
    await session.flush()
    return review


def review_view(r: Review) -> dict:
    return {"id": r.id, "kind": r.kind, "on": r.reviewed_on, "notes": r.notes, "recorded_by": r.recorded_by}
