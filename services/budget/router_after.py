"""HTTP endpoints for after agreement, mounted under ``/v1/budgets``: variations (BUD-10), reviews (BUD-09),
commitments and corrections (BUD-08), the family statement and the SEN2 return (BUD-11)."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from kit.auth import caller_with
from kit.errors import InvalidInput
from kit.idempotency import IdempotencyKey, idempotent
from kit.pagination import Limit
from kit.service import SessionDep, settings_of
from services.budget import repository as repo
from services.budget.domain import categories
from services.budget.domain.reviews import describe_cadence
from services.budget.router import AUDIT
from services.budget.schemas import (
    CommitmentCreate,
    ReconsiderationCreate,
    ReconsiderationDecision,
    ReversalCreate,
    ReviewCreate,
    ReviewRequest,
    VariationCreate,
)
from services.budget.service import common, money, reporting, reviews, variations

router = APIRouter(tags=["budgets: after agreement"], dependencies=[AUDIT])  # who read or changed a budget
Casework = caller_with("casework")
Panel = caller_with("panel")
Finance = caller_with("finance")
Reader = caller_with("casework", "read", "panel", "finance")
CategoryReader = caller_with("read", "casework", "panel", "finance", "health")


@router.get("/reviews", summary="Reviews due")
async def reviews_due(session: SessionDep, caller: Reader, due_before: date = Query(
        description="list agreed budgets whose next review falls on or before this date"), limit: Limit = 100
) -> dict:
    """BUD-09: agreed budgets in the caller's LAs with a review due on or before `due_before`, soonest first;
    `overdue` is true when the due date has passed. The first review is due within 3 months of agreement, then
    every 12 months, each at the LA's review cadence (BUD-12), at once when the family asks or circumstances
    change, and early when ICB funding falls below the cost of the agreed health provision (BUD-05). `review_kind`
    (`first`, `annual`, `scheduled` (a cadence interval under 12 months), `request`, `reassessment` (circumstances
    changed, BUD-12), `insufficient_funding`) and `review_reason` say why it is due."""
    today = common.today()
    return {"items": [{"budget_id": b.id, "child_id": b.child_id, "local_authority": b.local_authority,
                       "plan_reference": b.plan_reference, "next_review_due": b.next_review_due,
                       "overdue": b.next_review_due < today, **_why(b)}
                      for b in await repo.reviews_due(session, caller, due_before, limit)]}


def _why(budget) -> dict:
    kind, reason = reviews.due_because(budget)
    return {"review_kind": kind, "review_reason": reason}


@router.get("/sen2", summary="SEN2 personal-budget fields")
async def sen2(session: SessionDep, caller: Reader, local_authority: str = Query(pattern=r"^[EWSN]\d{8}$"),
               limit: Limit = 500, cursor: str | None = Query(None, max_length=36)) -> dict:
    """BUD-11: per plan of the LA, `has_personal_budget` (Y/N, Y once agreed), `organised_arrangements` (Y/N:
    any notional provision), `direct_payment_funders` (E education, S social care, H health) and
    `direct_payment_funder_code` (one of those, or I integrated when more than one funds direct payments).
    `{items, next_cursor}`."""
    caller.ensure_la(local_authority)
    items, next_cursor = await reporting.sen2(session, local_authority, limit=limit, after=cursor)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/provision-categories", summary="What a personal budget can and cannot buy")
async def provision_categories(caller: CategoryReader, local_authority: str | None = Query(
        None, pattern=r"^[EWSN]\d{8}$", description="the LA whose menu to show; omitted: the platform default")
) -> dict:
    """The published provision categories (BUD-15): the local offer's menu of what a personal budget may buy and
    what it may not, in plain English and machine-readable. No child's data; any budget scope or `read`.

    `categories`: what may be bought, each `{id, label, description, streams, allowed: true}`; `by_stream`: the
    menu of each stream (education, health, social care, transport) as category ids. `refused`: every kind of
    placement at a school, college or early-years setting, each with `rule: BUD-03` and the `reason`: a personal
    budget can never pay for a place, whatever it is called. A provision line's `category` is one of
    `categories`; a placement is refused with **409** `rule: BUD-03`, any other value with **422** naming
    `category` and listing `valid_categories`. `menu` says whose menu it is (`platform_default`: every LA has it
    today)."""
    return categories.menu(local_authority)


@router.get("/{budget_id}/statement", summary="Family statement", response_model=None)
async def statement(
    budget_id: str, session: SessionDep, caller: Reader, format: str = Query("json", pattern="^(json|html)$")
) -> dict | HTMLResponse:
    """The family's statement: per stream what was indicated, agreed, released, spent and what is left, in
    plain English. `?format=html` gives a printable page."""
    data = await reporting.statement(session, await repo.budget_for(session, budget_id, caller))
    return HTMLResponse(reporting.statement_html(data)) if format == "html" else data


@router.post("/{budget_id}/variations", status_code=201, summary="Vary an agreed budget")
async def vary(
    budget_id: str,
    body: VariationCreate,
    request: Request,
    session: SessionDep,
    caller: Casework,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Change a stream's agreed amount (BUD-10). An increase applies at once (`status: applied`). A reduction
    issues a written `notice` with the reasons and `reconsider_by` (the family may ask once for
    reconsideration until then) and applies only after that date (`/apply`) or when a reconsideration is
    upheld; it is refused with `rule: BUD-05` if it would not cover the stream's agreed provision. Publishes
    `budget.varied.v1` when the change applies."""

    async def produce():
        budget = await repo.budget_for(session, budget_id, caller, lock=True)
        v = await variations.vary(
            session,
            budget,
            stream=body.stream,
            agreed_pence=body.agreed_pence,
            reasons=body.reasons,
            reconsideration_days=settings_of(request).reconsideration_days,
        )
        return 201, variations.variation_view(v)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("/{budget_id}/variations", summary="Variations of a budget")
async def list_variations(budget_id: str, session: SessionDep, caller: Reader) -> dict:
    """Every variation of the budget, oldest first, with its notice and status."""
    await repo.budget_for(session, budget_id, caller)
    return {"items": [variations.variation_view(v) for v in await repo.variations(session, budget_id)]}


@router.post(
    "/{budget_id}/variations/{variation_id}/reconsideration", summary="Ask to reconsider a reduction"
)
async def reconsider(
    budget_id: str, variation_id: str, body: ReconsiderationCreate, session: SessionDep, caller: Casework
) -> dict:
    """Record the family's one request to reconsider a reduction, before `reconsider_by` (BUD-10: 409 after,
    or a second time). The reduction waits for the panel's decision."""
    await repo.budget_for(session, budget_id, caller, lock=True)
    v = await repo.variation(session, budget_id, variation_id)
    await variations.ask_reconsideration(session, v, body.reason)
    return variations.variation_view(v)


@router.post(
    "/{budget_id}/variations/{variation_id}/reconsideration-decision", summary="Decide a reconsideration"
)
async def reconsideration_decision(
    budget_id: str, variation_id: str, body: ReconsiderationDecision, request: Request, session: SessionDep,
    caller: Panel, key: IdempotencyKey = None
) -> JSONResponse:
    """`upheld`: the reduction applies now; `withdrawn`: the agreed amount stays. Accepts `Idempotency-Key`."""

    async def produce():
        budget = await repo.budget_for(session, budget_id, caller, lock=True)
        v = await repo.variation(session, budget_id, variation_id)
        await variations.decide_reconsideration(session, budget, v, body.outcome)
        return 200, variations.variation_view(v)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/{budget_id}/variations/{variation_id}/apply", summary="Apply a reduction after its notice")
async def apply_variation(
    budget_id: str, variation_id: str, request: Request, session: SessionDep, caller: Casework,
    key: IdempotencyKey = None
) -> JSONResponse:
    """Apply a reduction whose reconsideration window has passed with no request (BUD-10: 409 before then).
    Accepts `Idempotency-Key`: a retry replays the first response."""

    async def produce():
        budget = await repo.budget_for(session, budget_id, caller, lock=True)
        v = await repo.variation(session, budget_id, variation_id)
        await variations.apply_when_due(session, budget, v)
        return 200, variations.variation_view(v)

    return await idempotent(session, request=request, caller=caller, key=key,
                            body={"budget_id": budget_id, "variation_id": variation_id}, produce=produce)


@router.post("/{budget_id}/reviews", status_code=201, summary="Record a review")
async def record_review(budget_id: str, body: ReviewCreate, request: Request, session: SessionDep,
                        caller: Casework) -> dict:
    """Record a review held on `reviewed_on` (BUD-09); the next falls due at the next interval of the LA's review
    cadence (BUD-12: e.g. 3 months, then every 12; or 3, 6, then every 12 months), never more than 12 months
    later. Returns the review and the budget's `next_review_due`."""
    budget = await repo.budget_for(session, budget_id, caller, lock=True)
    review = await reviews.record(
        session, budget, reviewed_on=body.reviewed_on, kind=body.kind, notes=body.notes, by=caller.client_id,
        cadence=settings_of(request).review_cadence_for(budget.local_authority),
    )
    return {**reviews.review_view(review), "next_review_due": budget.next_review_due}


@router.post("/{budget_id}/review-requests", status_code=201, summary="Ask for a review")
async def request_review(budget_id: str, body: ReviewRequest, session: SessionDep, caller: Casework) -> dict:
    """The family asked for a review, or circumstances changed (BUD-09): a review is due from
    `requested_on`. With `circumstances_changed: true` (BUD-12) it is a swift re-assessment: the review is
    listed with `review_kind: reassessment` and `budget.reassessment_requested.v1` asks for a new RAS
    assessment of the child; the response says `reassessment_requested: true`."""
    budget = await repo.budget_for(session, budget_id, caller, lock=True)
    review = await reviews.request(
        session, budget, requested_on=body.requested_on, reason=body.reason, by=caller.client_id,
        circumstances_changed=body.circumstances_changed,
    )
    return {**reviews.review_view(review), "next_review_due": budget.next_review_due,
            "reassessment_requested": body.circumstances_changed}


@router.get("/{budget_id}/reviews", summary="Review history")
async def list_reviews(budget_id: str, request: Request, session: SessionDep, caller: Reader) -> dict:
    """Reviews held and requested, newest first, the next due date and why (`review_kind`, `review_reason`), and
    the LA's review cadence in force (BUD-12): `review_cadence_months` (the first review that many months after
    agreement, then each next interval, the last repeating) and `review_cadence` in words."""
    budget = await repo.budget_for(session, budget_id, caller)
    cadence = settings_of(request).review_cadence_for(budget.local_authority)
    return {
        "next_review_due": budget.next_review_due,
        **_why(budget),
        "review_cadence_months": list(cadence),
        "review_cadence": describe_cadence(cadence),
        "items": [reviews.review_view(r) for r in await repo.reviews(session, budget_id)],
    }


@router.post("/{budget_id}/commitments", status_code=201, summary="Commit money on a stream")
async def commit(
    budget_id: str,
    body: CommitmentCreate,
    request: Request,
    session: SessionDep,
    caller: Finance,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Set money aside on a stream for something ordered (positive) or free it (negative): `committed_pence`
    rises and `available_pence` falls by the same amount (BUD-08). Returns `{transaction_id}`."""

    async def produce():
        budget = await repo.budget_for(session, budget_id, caller, lock=True)
        if body.amount_pence == 0:
            raise InvalidInput.field("amount_pence", "must not be 0")
        txn = await money.book_commitment(
            session, budget, stream=body.stream, amount_pence=body.amount_pence, memo=body.memo
        )
        return 201, {"transaction_id": txn}

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/{budget_id}/ledger/{transaction_id}/reversal", status_code=201, summary="Reverse a commitment")
async def reverse(
    budget_id: str, body: ReversalCreate, request: Request, session: SessionDep, caller: Finance,
    transaction_id: int = Path(ge=1, le=2**63 - 1, description="The id of the ledger transaction to reverse"),
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Correct a commitment by a reversing transaction (entries are never edited, BUD-08). Other kinds are
    corrected by the events of the service that booked them (409 `rule: BUD-08`); a second reversal is 409.
    Send an `Idempotency-Key`: a retry replays the first response instead of the 409."""

    async def produce():
        budget = await repo.budget_for(session, budget_id, caller, lock=True)
        reversal = await money.reverse(session, budget, transaction_id=transaction_id, reason=body.reason)
        return 201, {"transaction_id": reversal}

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)
