"""Variations of an agreed budget (BUD-10): notice, one reconsideration, applying a reduction."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kit.idempotency import IdempotencyKey, idempotent
from kit.service import SessionDep, settings_of
from services.budget.routers.access import AFTER_AGREEMENT, AUDIT, Casework, Panel, Reader, stored
from services.budget.schemas import (
    ReconsiderationCreate,
    ReconsiderationDecision,
    VariationCreate,
    VariationList,
    VariationRead,
)
from services.budget.service import budgets, variations

router = APIRouter(tags=[AFTER_AGREEMENT], dependencies=[AUDIT])


@router.post("/{budget_id}/variations", status_code=201, summary="Vary an agreed budget",
             response_model=VariationRead)
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
        budget = await budgets.load(session, budget_id, caller, lock=True)
        v = await variations.vary(
            session,
            budget,
            stream=body.stream,
            agreed_pence=body.agreed_pence,
            reasons=body.reasons,
            reconsideration_days=settings_of(request).reconsideration_days,
        )
        return 201, stored(VariationRead.model_validate(v))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("/{budget_id}/variations", summary="Variations of a budget")
async def list_variations(budget_id: str, session: SessionDep, caller: Reader) -> VariationList:
    """Every variation of the budget, oldest first, with its notice and status."""
    budget = await budgets.load(session, budget_id, caller)
    return VariationList(items=await variations.of_budget(session, budget))


@router.post(
    "/{budget_id}/variations/{variation_id}/reconsideration", summary="Ask to reconsider a reduction"
)
async def reconsider(
    budget_id: str, variation_id: str, body: ReconsiderationCreate, session: SessionDep, caller: Casework
) -> VariationRead:
    """Record the family's one request to reconsider a reduction, before `reconsider_by` (BUD-10: 409 after,
    or a second time). The reduction waits for the panel's decision."""
    budget = await budgets.load(session, budget_id, caller, lock=True)
    v = await variations.find(session, budget, variation_id)
    await variations.ask_reconsideration(session, v, body.reason)
    return VariationRead.model_validate(v)


@router.post(
    "/{budget_id}/variations/{variation_id}/reconsideration-decision", summary="Decide a reconsideration",
    response_model=VariationRead)
async def reconsideration_decision(
    budget_id: str, variation_id: str, body: ReconsiderationDecision, request: Request, session: SessionDep,
    caller: Panel, key: IdempotencyKey = None
) -> JSONResponse:
    """`upheld`: the reduction applies now; `withdrawn`: the agreed amount stays. Accepts `Idempotency-Key`."""

    async def produce():
        budget = await budgets.load(session, budget_id, caller, lock=True)
        v = await variations.find(session, budget, variation_id)
        await variations.decide_reconsideration(session, budget, v, body.outcome)
        return 200, stored(VariationRead.model_validate(v))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/{budget_id}/variations/{variation_id}/apply", summary="Apply a reduction after its notice",
             response_model=VariationRead)
async def apply_variation(
    budget_id: str, variation_id: str, request: Request, session: SessionDep, caller: Casework,
    key: IdempotencyKey = None
) -> JSONResponse:
    """Apply a reduction whose reconsideration window has passed with no request (BUD-10: 409 before then).
    Accepts `Idempotency-Key`: a retry replays the first response."""

    async def produce():
        budget = await budgets.load(session, budget_id, caller, lock=True)
        v = await variations.find(session, budget, variation_id)
        await variations.apply_when_due(session, budget, v)
        return 200, stored(VariationRead.model_validate(v))

    return await idempotent(session, request=request, caller=caller, key=key,
                            body={"budget_id": budget_id, "variation_id": variation_id}, produce=produce)
