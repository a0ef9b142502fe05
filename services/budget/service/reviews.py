"""Reviews (BUD-09, BUD-12): the first within 3 months of agreement, then at least every 12 months, each at the
LA's cadence, and on request; a change of circumstances also asks for a re-assessment."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.errors import InvalidInput
from kit.outbox import add_event
from kit.pagination import Paged
from kit.refusals import refused
from services.budget import events
from services.budget import repository as repo
from services.budget.domain.outcomes import Progress, Views, outcomes_of, review_refusals
from services.budget.domain.reviews import (
    DEFAULT_REVIEW_CADENCE,
    HELD,
    NextReview,
    ReviewRefused,
    after_review_held,
    brought_forward,
    describe_cadence,
    first_review,
    first_review_due,
    reviewable,
)
from services.budget.models import Budget, Review
from services.budget.service import common

REASSESSMENT = "reassessment"  # BUD-12: circumstances changed; a review is due at once and a RAS re-assessment


def _next(budget: Budget) -> NextReview:
    return NextReview(budget.next_review_due, budget.next_review_kind, budget.next_review_reason)


def _schedule(budget: Budget, nxt: NextReview) -> None:
    budget.next_review_due, budget.next_review_kind, budget.next_review_reason = nxt.due, nxt.kind, nxt.reason


def schedule_first(budget: Budget, *, agreed_on: date, cadence: Sequence[int]) -> None:
    """BUD-09, BUD-12: at agreement the first review falls the LA's first interval later."""
    _schedule(budget, first_review(agreed_on, cadence))


async def record(session: AsyncSession, budget: Budget, *, reviewed_on: date, kind: str, notes: str,
                 by: str, cadence: Sequence[int] = DEFAULT_REVIEW_CADENCE, progress: Sequence[Progress] = (),
                 views: Views | None = None, voice_required: bool = False) -> Recorded:
    """Record a review held, with progress per outcome and the child's or young person's views (BUD-14); the next
    one falls due at the LA's next interval (BUD-12), never more than 12 months later (BUD-09)."""
    with refused(ReviewRefused):
        reviewable(budget.status)
    outcomes = outcomes_of(p.outcome for p in await repo.provisions(session, budget.id))
    if refusals := review_refusals(progress, views, outcomes, required=voice_required):
        raise InvalidInput(f"{refusals[0].field}: {refusals[0].message}", rule=refusals[0].rule,
                           errors=[{"field": r.field, "message": r.message} for r in refusals])
    held = 1 + sum(r.kind in HELD for r in await repo.reviews(session, budget.id))
    review = Review(
        id=str(uuid.uuid4()),
        budget_id=budget.id,
        kind=kind,
        reviewed_on=reviewed_on,
        notes=notes,
        recorded_by=by,
        created_at=common.now(),
        progress=[{"outcome": p.outcome.strip(), "progress": p.progress, "note": p.note} for p in progress],
        views_text=views.text if views else None,
        views_given_by=views.given_by if views else None,
    )
    session.add(review)
    _schedule(budget, after_review_held(budget.status, reviewed_on, cadence, reviews_held=held))
    await session.flush()
    return Recorded(review, budget.next_review_due)


async def request(
    session: AsyncSession, budget: Budget, *, requested_on: date, reason: str, by: str,
    circumstances_changed: bool = False,
) -> Recorded:
    """The family asked, or circumstances changed: a review falls due at once (listed as due from that date).
    A change of circumstances (BUD-12) is also a swift re-assessment: ``budget.reassessment_requested.v1`` asks
    for a new RAS assessment, in the same transaction."""
    with refused(ReviewRefused):
        reviewable(budget.status)
    if not circumstances_changed:
        review = await bring_forward(session, budget, due=requested_on, kind="request", reason=reason, by=by)
        return Recorded(review, budget.next_review_due)
    review = await bring_forward(session, budget, due=requested_on, kind=REASSESSMENT,
                                 reason=f"BUD-12: circumstances changed: {reason}", by=by)
    await add_event(session, events.reassessment_requested(budget, review_id=review.id, requested_on=requested_on,
                                                           reason=reason))
    return Recorded(review, budget.next_review_due, reassessment_requested=True)


async def bring_forward(session: AsyncSession, budget: Budget, *, due: date, kind: str, reason: str,
                        by: str) -> Review:
    """Record why a review is wanted, due on ``due``; the budget's next review moves to that date if it is
    sooner (never later), with its kind and reason (BUD-09: whenever the family asks or circumstances change)."""
    review = Review(id=str(uuid.uuid4()), budget_id=budget.id, kind=kind, reviewed_on=due, notes=reason,
                    recorded_by=by, created_at=common.now())
    session.add(review)
    _schedule(budget, brought_forward(_next(budget), due=due, kind=kind, reason=reason))
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


@dataclass(frozen=True)
class Recorded:
    """A review held or asked for, and the budget's next review after it; ``reassessment_requested`` when
    circumstances changed (BUD-12)."""

    review: Review
    next_review_due: date | None
    reassessment_requested: bool = False

    def __getattr__(self, name: str):  # the review's own fields (id, kind, reviewed_on, notes, recorded_by)
        return getattr(self.review, name)


@dataclass(frozen=True)
class Due:
    """An agreed budget with a review due, and why (BUD-09)."""

    budget: Budget
    overdue: bool
    review_kind: str | None
    review_reason: str | None


@dataclass(frozen=True)
class History:
    """A budget's reviews, newest first, its next review and why, and its LA's cadence (BUD-12)."""

    next_review_due: date | None
    review_kind: str | None
    review_reason: str | None
    review_cadence_months: list[int]
    review_cadence: str
    items: list[Review]


async def due(session: AsyncSession, caller: Caller, *, due_before: date, limit: int,
              cursor: str | None = None) -> Paged[Due]:
    """Agreed budgets in the caller's LAs with a review due on or before ``due_before``, soonest first, a page of
    ``limit`` after ``cursor``."""
    today = common.today()
    page = Paged.of(await repo.reviews_due(session, caller, due_before, limit, cursor), limit=limit,
                    created="next_review_due")
    return Paged([Due(b, b.next_review_due < today, *due_because(b)) for b in page.items], page.next_cursor)


async def history(session: AsyncSession, budget: Budget, *, cadence: Sequence[int]) -> History:
    return History(budget.next_review_due, *due_because(budget), list(cadence), describe_cadence(cadence),
                   await repo.reviews(session, budget.id))
