"""Budgets, mounted under ``/v1/budgets``: open one (BUD-01), list them, read one, close it (BUD-06 stages)."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from kit.idempotency import IdempotencyKey, idempotent
from kit.pagination import Cursor, Limit
from kit.service import SessionDep
from services.budget.routers.access import AUDIT, Casework, Reader, Trail, stored
from services.budget.schemas import BudgetCreate, BudgetPage, BudgetRead
from services.budget.service import budgets, opening, planning

router = APIRouter(tags=["budgets"], dependencies=[AUDIT])


@router.post("", status_code=201, summary="Open a budget", response_model=BudgetRead)
async def create_budget(body: BudgetCreate, request: Request, session: SessionDep, caller: Casework, trail: Trail,
                        key: IdempotencyKey = None) -> JSONResponse:
    """Open a child's pooled budget for one plan period (BUD-01).

    `indicative_pence` per stream is optional: without it the amounts come from the child's latest RAS result
    (eligible streams only). Any health funding the ICB sent before the budget existed is applied now
    (BUD-07). A second budget for a period overlapping an existing one is **409** with `rule: BUD-01` and its
    `budget_id`. Returns the budget (as `GET /v1/budgets/{id}`). Budgets are also opened automatically when
    the child has both an eligible request and a RAS result (`opened_from: events`)."""
    caller.ensure_la(body.local_authority)

    async def produce():
        budget = await opening.open_budget(
            session, la=body.local_authority, child_id=body.child_id, plan_reference=body.plan_reference,
            period=(body.period_start, body.period_end), indicative_pence=body.indicative_pence)
        trail.touched(budget.id)
        return 201, stored(BudgetRead.model_validate(await budgets.detail(session, budget)))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("", summary="List budgets")
async def list_budgets(session: SessionDep, caller: Reader, trail: Trail,
                       child_id: str | None = Query(None, max_length=64), limit: Limit = 50,
                       cursor: Cursor = None) -> BudgetPage:
    """The caller's LAs' budgets, newest first, optionally for one child: `{items, next_cursor}`."""
    listing = await budgets.listing(session, caller, child_id=child_id, limit=limit, cursor=cursor)
    trail.touched(*(d.budget.id for d in listing.items))
    return BudgetPage.model_validate(listing)


@router.get("/{budget_id}", summary="A budget")
async def read_budget(budget_id: str, session: SessionDep, caller: Reader) -> BudgetRead:
    """The budget: `status` (draft, indicative, submitted, agreed, closed), per stream `indicative_pence`,
    `agreed_pence`, `released_pence`, `committed_pence`, `spent_pence` and `available_pence` (= agreed +
    released − committed − spent, BUD-08; every figure is a sum of ledger entries), `provisions`,
    `panel_decisions` and `next_review_due`. `insufficient` lists the streams whose agreed amount no longer
    covers their agreed provision since an ICB cut (BUD-05: `stream`, `rule`, `agreed_pence`,
    `provision_cost_pence`, `shortfall_pence`, `message`, `since`), until funding or a variation covers it again.
    Another LA's budget is 404."""
    return BudgetRead.model_validate(await budgets.detail(session, await budgets.load(session, budget_id, caller)))


@router.post("/{budget_id}/close", summary="Close a budget", response_model=BudgetRead)
async def close(
    budget_id: str, request: Request, session: SessionDep, caller: Casework, key: IdempotencyKey = None
) -> JSONResponse:
    """Close the budget at the end of its plan period, or when the plan ceases (BUD-06 stages). A closed
    budget takes no more provision, panel decisions or variations; ICB health funding for the child is then
    held until a new budget opens (BUD-07). Its direct-payment agreements stop from today (PAY-08, through
    `budget.closed.v1`). Returns the budget. Accepts `Idempotency-Key`: a retry replays the first response."""

    async def produce():
        budget = await budgets.load(session, budget_id, caller, lock=True)
        await planning.close(session, budget, reason="closed by the local authority")
        return 200, stored(BudgetRead.model_validate(await budgets.detail(session, budget)))

    return await idempotent(
        session, request=request, caller=caller, key=key, body={"budget_id": budget_id}, produce=produce
    )
