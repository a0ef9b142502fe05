"""Panel and agreement (BUD-05, BUD-06): submit a budget, record each stream's decision, agree it."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kit.idempotency import IdempotencyKey, idempotent
from kit.service import SessionDep, settings_of
from services.budget.routers.access import AUDIT, Agreeing, Casework, Panel, stored
from services.budget.schemas import BudgetRead, PanelDecisionCreate, PanelDecisionRead
from services.budget.service import budgets, planning

router = APIRouter(tags=["budgets"], dependencies=[AUDIT])


@router.post("/{budget_id}/submit", summary="Submit to panel")
async def submit(budget_id: str, session: SessionDep, caller: Casework) -> BudgetRead:
    """Send a draft or indicative budget with provision to panel (`status: submitted`, BUD-06). Returns the
    budget."""
    budget = await budgets.load(session, budget_id, caller, lock=True)
    await planning.submit(session, budget)
    return BudgetRead.model_validate(await budgets.detail(session, budget))


@router.post("/{budget_id}/panel-decisions", status_code=201, summary="Record a panel decision",
             response_model=PanelDecisionRead)
async def panel_decision(
    budget_id: str, body: PanelDecisionCreate, request: Request, session: SessionDep, caller: Panel,
    key: IdempotencyKey = None
) -> JSONResponse:
    """One stream's decision on a submitted budget (BUD-06): `approved`, `declined` or `escalated`, with the
    `agreed_pence` for the stream. An approval above the decider's delegated authority limit (per LA and
    stream; `authority: stream` by default, `senior` for escalations) is recorded as `escalated` with `rule:
    BUD-06` and needs a decision by someone whose limit covers it. `extra_pence` is what the panel awarded
    above the indicative amount. The latest decision per stream counts. Returns the recorded decision. Send an
    `Idempotency-Key`: a retry replays the first response and records no second decision."""
    settings = settings_of(request)

    async def produce():
        budget = await budgets.load(session, budget_id, caller, lock=True)
        recorded = await planning.decide(
            session,
            budget,
            settings,
            stream=body.stream,
            decision=body.decision,
            agreed_pence=body.agreed_pence,
            decided_by=body.decided_by,
            authority=body.authority,
        )
        return 201, stored(PanelDecisionRead.model_validate(recorded))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/{budget_id}/agree", summary="Agree the budget", response_model=BudgetRead)
async def agree(
    budget_id: str, request: Request, session: SessionDep, caller: Agreeing, key: IdempotencyKey = None
) -> JSONResponse:
    """Agree a submitted budget: each stream's agreed amount becomes its approved panel amount (the health
    stream keeps the ICB's funding when the ICB has sent any). Refused with **409** while a stream with
    provision has no approval (`rule: BUD-06`) or its agreed amount is less than its provision costs (`rule:
    BUD-05`), naming the `stream` and listing every `refusals` item. Publishes `budget.agreed.v1`; the first
    review falls due at the first interval of the LA's review cadence (BUD-12; 3 months by default, never more
    than 12: BUD-09). Returns the budget."""

    async def produce():
        budget = await budgets.load(session, budget_id, caller, lock=True)
        cadence = settings_of(request).review_cadence_for(budget.local_authority)
        await planning.agree_budget(session, budget, review_cadence=cadence)
        return 200, stored(BudgetRead.model_validate(await budgets.detail(session, budget)))

    return await idempotent(
        session, request=request, caller=caller, key=key, body={"budget_id": budget_id}, produce=produce
    )
