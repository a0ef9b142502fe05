"""Recovery notices, their challenge and confirmation (PAY-07, PAY-10): ``/v1/payments/recoveries``."""
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kit.auth import caller_with
from kit.idempotency import IdempotencyKey, idempotent
from kit.service import SessionDep
from services.payments.schemas import Challenge, ChallengeDecision, Confirm, RecoveryRead
from services.payments.service import agreements, audits

router = APIRouter(tags=["payments: audits and recovery"])
Finance = caller_with("finance")
Challenger = caller_with("casework", "finance")
Reader = caller_with("casework", "finance", "read")


@router.get("/recoveries/{recovery_id}", response_model=RecoveryRead)
async def read_recovery(recovery_id: str, session: SessionDep, caller: Reader) -> RecoveryRead:
    """A recovery notice and what became of it."""
    return RecoveryRead.model_validate(await audits.find_recovery(session, caller, recovery_id))


@router.post("/recoveries/{recovery_id}/challenge", response_model=RecoveryRead)
async def challenge(recovery_id: str, body: Challenge, request: Request, session: SessionDep, caller: Challenger,
                    key: IdempotencyKey = None) -> JSONResponse:
    """The family challenges the notice, with their `grounds`, before `challenge_by` (PAY-07). Accepts
    `Idempotency-Key`."""
    async def produce():
        recovery = await audits.find_recovery(session, caller, recovery_id)
        audits.challenge(recovery, body.grounds)
        return 200, RecoveryRead.model_validate(recovery)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/recoveries/{recovery_id}/decision", response_model=RecoveryRead)
async def decide(recovery_id: str, body: ChallengeDecision, request: Request, session: SessionDep,
                 caller: Finance, key: IdempotencyKey = None) -> JSONResponse:
    """Decide a challenge: `upheld` withdraws the recovery; `rejected` allows it to be confirmed. Accepts
    `Idempotency-Key`."""
    async def produce():
        recovery = await audits.find_recovery(session, caller, recovery_id)
        audits.decide(recovery, outcome=body.outcome, reason=body.reason)
        return 200, RecoveryRead.model_validate(recovery)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/recoveries/{recovery_id}/confirm", response_model=RecoveryRead)
async def confirm(recovery_id: str, body: Confirm, request: Request, session: SessionDep, caller: Finance,
                  key: IdempotencyKey = None) -> JSONResponse:
    """Confirm a recovery once the challenge window has ended or a challenge was rejected (PAY-07; earlier
    is a 409 naming the rule). By `deduction` the amount comes off the next instalments, each stating it;
    by `invoice` the family is invoiced. Publishes `payments.recovery_confirmed.v1`. Send an
    `Idempotency-Key`: a retry replays the first response."""
    async def produce():
        recovery = await audits.find_recovery(session, caller, recovery_id)
        agreement = await agreements.find(session, caller, recovery.agreement_id, lock=True)
        await audits.confirm(session, recovery, agreement, method=body.method)
        return 200, RecoveryRead.model_validate(recovery)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)
