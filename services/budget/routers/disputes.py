"""Disputes of a budget's amount or contents (BUD-13): reconsideration, return to panel, complaint, Ombudsman."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kit.idempotency import IdempotencyKey, idempotent
from kit.service import SessionDep
from services.budget.routers.access import AFTER_AGREEMENT, AUDIT, Agreeing, Casework, Reader, stored
from services.budget.schemas import (
    DisputeCreate,
    DisputeDecisionCreate,
    DisputeEscalation,
    DisputeList,
    DisputeRead,
)
from services.budget.service import budgets, disputes

router = APIRouter(tags=[AFTER_AGREEMENT], dependencies=[AUDIT])

@router.post("/{budget_id}/disputes", status_code=201, summary="Dispute a budget's amount or contents",
             response_model=DisputeRead)
async def open_dispute(budget_id: str, body: DisputeCreate, request: Request, session: SessionDep,
                       caller: Casework, key: IdempotencyKey = None) -> JSONResponse:
    """The family disputes the budget's `subject`: its `amount` or its `contents` (what it pays for) (BUD-13). The steps
    are reconsideration by the local authority, then a return to panel, then the council's complaints process, then
    the Local Government and Social Care Ombudsman, in that order, none skipped. A dispute opens at `reconsideration`;
    at `panel` only when `variation_id` names a reduction whose one reconsideration (BUD-10) was upheld (that
    reconsideration is recorded as the first step). Refused with **409** `rule: BUD-13` for a budget not yet decided
    (draft, indicative), any other `starts_at`, or a reduction whose notice still stands (ask through the notice).
    Returns the dispute with its steps and `next_step`; publishes `budget.dispute_updated.v1`. Moves no money; accepts
    `Idempotency-Key` so a retry opens it once."""

    async def produce():
        budget = await budgets.load(session, budget_id, caller, lock=True)
        state = await disputes.open_dispute(
            session, budget, subject=body.subject, details=body.details, raised_by=body.raised_by,
            opened_on=body.opened_on, starts_at=body.starts_at, variation_id=body.variation_id,
            panel_decision_id=body.panel_decision_id, by=caller.client_id)
        return 201, stored(DisputeRead.model_validate(state))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("/{budget_id}/disputes", summary="Disputes of a budget")
async def list_disputes(budget_id: str, session: SessionDep, caller: Reader) -> DisputeList:
    """Every dispute of the budget, oldest first, each with its steps (dates, outcome, reasons, who decided), its
    `status` (`open`: a step waits for its decision; `decided`: the family may take `next_step`; `resolved`: upheld;
    `concluded`: the Ombudsman decided) and `next_step` (BUD-13)."""
    budget = await budgets.load(session, budget_id, caller)
    return DisputeList(items=[DisputeRead.model_validate(s) for s in await disputes.of_budget(session, budget)])


@router.get("/{budget_id}/disputes/{dispute_id}", summary="A dispute")
async def read_dispute(budget_id: str, dispute_id: str, session: SessionDep, caller: Reader) -> DisputeRead:
    """One dispute of the budget with its steps and `next_step` (BUD-13); another budget's or LA's is 404."""
    budget = await budgets.load(session, budget_id, caller)
    return DisputeRead.model_validate(await disputes.one(session, budget, dispute_id))


@router.post("/{budget_id}/disputes/{dispute_id}/decision", summary="Decide a dispute's current step",
             response_model=DisputeRead)
async def decide_dispute(budget_id: str, dispute_id: str, body: DisputeDecisionCreate, request: Request,
                         session: SessionDep, caller: Agreeing, key: IdempotencyKey = None) -> JSONResponse:
    """Record the decision of the dispute's current step (BUD-13): `outcome` (`upheld`, `not_upheld`, `partly_upheld`),
    `reasons`, `decided_by` and `decided_on` (on or after the step opened), recorded by casework or, for its own step,
    the panel. A step is decided once (**409** `rule: BUD-13`). A dispute of the amount upheld, even in part, names
    the `variation_id` (BUD-10) or `panel_decision_id` (BUD-06) that changes it (**422** naming `variation_id`
    otherwise): the money moves there, never here. The response's `next_step` says what the family may do next: after
    a reconsideration a return to panel, after panel a complaint, after a complaint the Ombudsman (by 12 months after
    the council's final response), after the Ombudsman none. Publishes `budget.dispute_updated.v1`; accepts
    `Idempotency-Key`."""

    async def produce():
        budget = await budgets.load(session, budget_id, caller, lock=True)
        dispute = await disputes.find(session, budget, dispute_id)
        state = await disputes.decide(
            session, budget, dispute, outcome=body.outcome, reasons=body.reasons, decided_by=body.decided_by,
            decided_on=body.decided_on, variation_id=body.variation_id, panel_decision_id=body.panel_decision_id,
            by=caller.client_id)
        return 200, stored(DisputeRead.model_validate(state))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/{budget_id}/disputes/{dispute_id}/escalate", summary="Take a dispute to its next step",
             response_model=DisputeRead)
async def escalate_dispute(budget_id: str, dispute_id: str, body: DisputeEscalation, request: Request,
                           session: SessionDep, caller: Casework, key: IdempotencyKey = None) -> JSONResponse:
    """The family takes the dispute `to` its next step (BUD-13):
    reconsideration by the local authority, then a return to panel, then the council's complaints process,
    then the Local Government and Social Care Ombudsman. Only the very next step, once
    the current one is decided and did not uphold the dispute: a skip, an undecided step, an upheld one or a step
    after the Ombudsman is **409** `rule: BUD-13` naming `to`. Publishes `budget.dispute_updated.v1`; accepts
    `Idempotency-Key`."""

    async def produce():
        budget = await budgets.load(session, budget_id, caller, lock=True)
        dispute = await disputes.find(session, budget, dispute_id)
        state = await disputes.escalate(session, budget, dispute, to=body.to, reason=body.reason,
                                        opened_on=body.opened_on, by=caller.client_id)
        return 200, stored(DisputeRead.model_validate(state))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)
