"""Reviews (BUD-09, BUD-12): those due across the caller's LAs (``/reviews``, a fixed path), and a budget's own."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request

from kit.pagination import Cursor, Limit, Page
from kit.service import SessionDep, settings_of
from services.budget.domain.outcomes import Progress, Views
from services.budget.routers.access import AFTER_AGREEMENT, AUDIT, Casework, Reader
from services.budget.schemas import (
    ReviewCreate,
    ReviewDue,
    ReviewHistory,
    ReviewRecorded,
    ReviewRequest,
    ReviewRequested,
)
from services.budget.service import budgets, reviews

router = APIRouter(tags=[AFTER_AGREEMENT], dependencies=[AUDIT])


@router.get("/reviews", summary="Reviews due", response_model=Page[ReviewDue])
async def reviews_due(session: SessionDep, caller: Reader, due_before: date = Query(
        description="list agreed budgets whose next review falls on or before this date"), limit: Limit = 100,
        cursor: Cursor = None) -> Page[ReviewDue]:
    """BUD-09: agreed budgets in the caller's LAs with a review due on or before `due_before`, soonest first;
    `overdue` is true when the due date has passed. The first review is due within 3 months of agreement, then
    every 12 months, each at the LA's review cadence (BUD-12), at once when the family asks or circumstances
    change, and early when ICB funding falls below the cost of the agreed health provision (BUD-05). `review_kind`
    (`first`, `annual`, `scheduled` (a cadence interval under 12 months), `request`, `reassessment` (circumstances
    changed, BUD-12), `insufficient_funding`) and `review_reason` say why it is due. `{items, next_cursor}`:
    pass `next_cursor` as `cursor` for the next page."""
    paged = await reviews.due(session, caller, due_before=due_before, limit=limit, cursor=cursor)
    return Page[ReviewDue].model_validate(paged, from_attributes=True)


@router.post("/{budget_id}/reviews", status_code=201, summary="Record a review",
             response_model=ReviewRecorded)
async def record_review(budget_id: str, body: ReviewCreate, request: Request, session: SessionDep,
                        caller: Casework) -> ReviewRecorded:
    """Record a review held on `reviewed_on` (BUD-09); the next falls due at the next interval of the LA's review
    cadence (BUD-12: e.g. 3 months, then every 12; or 3, 6, then every 12 months), never more than 12 months
    later. Returns the review and the budget's `next_review_due`.

    BUD-14: `progress` records progress towards the outcomes of the plan, `[{outcome, progress:
    not_started|some|good|achieved, note}]`, naming only outcomes that the budget's provision lines name (matched
    ignoring case and extra spaces; another is 422 with `rule: BUD-14` naming `progress[i].outcome`), each once;
    `views` records the child's or young person's own views, `{text, given_by: child|young_person|
    parent_on_their_behalf|advocate}`. Both are optional, unless the LA requires them
    (`SENDPB_BUDGET_OUTCOMES_AND_VIEWS_REQUIRED_LAS`): then a review without progress on every outcome, or without
    views, is 422 naming BUD-14."""
    budget = await budgets.load(session, budget_id, caller, lock=True)
    settings = settings_of(request)
    recorded = await reviews.record(
        session, budget, reviewed_on=body.reviewed_on, kind=body.kind, notes=body.notes, by=caller.client_id,
        cadence=settings.review_cadence_for(budget.local_authority),
        progress=[Progress(p.outcome, p.progress, p.note) for p in body.progress],
        views=Views(body.views.text, body.views.given_by) if body.views else None,
        voice_required=settings.outcomes_and_views_required(budget.local_authority),
    )
    return ReviewRecorded.model_validate(recorded)


@router.post("/{budget_id}/review-requests", status_code=201, summary="Ask for a review")
async def request_review(budget_id: str, body: ReviewRequest, session: SessionDep, caller: Casework) -> ReviewRequested:
    """The family asked for a review, or circumstances changed (BUD-09): a review is due from
    `requested_on`. With `circumstances_changed: true` (BUD-12) it is a swift re-assessment: the review is
    listed with `review_kind: reassessment` and `budget.reassessment_requested.v1` asks for a new RAS
    assessment of the child; the response says `reassessment_requested: true`."""
    budget = await budgets.load(session, budget_id, caller, lock=True)
    recorded = await reviews.request(
        session, budget, requested_on=body.requested_on, reason=body.reason, by=caller.client_id,
        circumstances_changed=body.circumstances_changed,
    )
    return ReviewRequested.model_validate(recorded)


@router.get("/{budget_id}/reviews", summary="Review history")
async def list_reviews(budget_id: str, request: Request, session: SessionDep, caller: Reader) -> ReviewHistory:
    """Reviews held and requested, newest first, the next due date and why (`review_kind`, `review_reason`), and
    the LA's review cadence in force (BUD-12): `review_cadence_months` (the first review that many months after
    agreement, then each next interval, the last repeating) and `review_cadence` in words."""
    budget = await budgets.load(session, budget_id, caller)
    cadence = settings_of(request).review_cadence_for(budget.local_authority)
    return ReviewHistory.model_validate(await reviews.history(session, budget, cadence=cadence))
