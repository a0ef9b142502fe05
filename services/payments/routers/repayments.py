"""PAY-10: recovery of overpaid or misused money and its repayment plan: ``/v1/payments/agreements/{id}/recoveries``
and ``/v1/payments/recoveries/{id}/repayment-plan`` and its ``/repayments``. The notice's challenge and decision are the
routes of ``routers/recoveries.py``."""
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kit.auth import caller_with
from kit.idempotency import IdempotencyKey, idempotent
from kit.service import SessionDep, settings_of
from services.payments.schemas import (
    PlanCreate,
    PlanRead,
    RecoveryCreate,
    RecoveryRead,
    RepaymentRead,
    RepaymentReceipt,
)
from services.payments.service import agreements, audits, repayments
from services.payments.service.shown import Shown

router = APIRouter(tags=["payments: audits and recovery"])
Finance = caller_with("finance")
Reader = caller_with("casework", "finance", "read")


@router.post("/agreements/{agreement_id}/recoveries", status_code=201, response_model=RecoveryRead)
async def open_recovery(agreement_id: str, body: RecoveryCreate, request: Request, session: SessionDep,
                        caller: Finance, key: IdempotencyKey = None) -> JSONResponse:
    """Recover **overpaid** or **misused** money (PAY-10) under a written notice (PAY-07): reasons, amount, who
    must repay, and a challenge window (DEFAULT 28 days) before anything is taken.

    `overpaid`: paid after circumstances changed on `changed_on` (a stop, a reduction): the amount is what was
    paid for instalments due on or after it, less `owed_pence` still owed for that time. `misused`: `amount_pence`
    used for other purposes between `period_start` and `period_end`, with `evidence` (422 naming `evidence`
    without it). Never more than was paid (422 naming `amount_pence`, `rule: PAY-10`). Send an
    `Idempotency-Key`: a retry replays the first response."""
    settings = settings_of(request)

    async def produce():
        agreement = await agreements.find(session, caller, agreement_id, lock=True)
        return 201, RecoveryRead.model_validate(await repayments.open_recovery(session, agreement, body, settings))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/recoveries/{recovery_id}/repayment-plan", status_code=201, response_model=PlanRead)
async def agree_plan(recovery_id: str, body: PlanCreate, request: Request, session: SessionDep, caller: Finance,
                     key: IdempotencyKey = None) -> JSONResponse:
    """The affordable repayment plan of an overpaid or misused recovery (PAY-10), once its challenge window has
    passed or a challenge was rejected (PAY-07; earlier is a 409 naming the rule). `deduction`: from the
    instalments still to pay, `per_instalment_pence` or `per_instalment_percent` of each, never taking an
    instalment below the LA's floor (DEFAULT 50% of it); each run paying an instalment takes its deduction.
    `invoice`: `instalments` monthly invoices from `first_due` (default the notice's `repay_by`). The parts add up
    to the amount exactly, the last taking the remainder. Each repayment received publishes
    `payments.repayment_received.v1`, which the budget books. Send an `Idempotency-Key`: a retry replays the first
    response, one plan."""
    settings = settings_of(request)

    async def produce():
        recovery = await audits.find_recovery(session, caller, recovery_id)
        agreement = await agreements.find(session, caller, recovery.agreement_id, lock=True)
        rows = await repayments.agree_plan(session, recovery, agreement, body, settings)
        return 201, PlanRead.model_validate(Shown(recovery, recovery=recovery, repayments=rows))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("/recoveries/{recovery_id}/repayment-plan", response_model=PlanRead)
async def read_plan(recovery_id: str, session: SessionDep, caller: Reader) -> PlanRead:
    """The recovery and the parts of its repayment plan (PAY-10), in order, each `scheduled` (a deduction a run
    will take), `invoiced` or `received` (none before a plan is agreed); `repaid_pence` is what came back so far."""
    recovery = await audits.find_recovery(session, caller, recovery_id)
    rows = await repayments.listed(session, recovery)
    return PlanRead.model_validate(Shown(recovery, recovery=recovery, repayments=rows))


@router.post("/recoveries/{recovery_id}/repayments/{repayment_id}/received", response_model=RepaymentRead)
async def receive(recovery_id: str, repayment_id: str, body: RepaymentReceipt, request: Request,
                  session: SessionDep, caller: Finance, key: IdempotencyKey = None) -> JSONResponse:
    """An invoice instalment of a repayment plan was paid (PAY-10): booked in the ledger and announced with
    `payments.repayment_received.v1` for the budget, once (a second time is a 409). Send an `Idempotency-Key`."""
    async def produce():
        recovery = await audits.find_recovery(session, caller, recovery_id)
        agreement = await agreements.find(session, caller, recovery.agreement_id, lock=True)
        repayment = await repayments.receive_invoice(session, recovery, agreement, repayment_id, body.received_on)
        return 200, RepaymentRead.model_validate(repayment)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)
