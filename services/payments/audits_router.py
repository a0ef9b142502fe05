"""Audits, surplus and recovery: ``/v1/payments/agreements/{id}/audits``, ``/v1/payments/recoveries``."""
from datetime import timedelta

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from kit.auth import caller_with
from kit.idempotency import IdempotencyKey, idempotent
from kit.pagination import Limit
from kit.service import SessionDep, settings_of
from services.payments import clock, repository, views
from services.payments.schemas import AuditCreate, Challenge, ChallengeDecision, Confirm
from services.payments.service import audits

router = APIRouter(tags=["payments: audits and recovery"])
Finance = caller_with("finance")
Challenger = caller_with("casework", "finance")
Reader = caller_with("casework", "finance", "read")


@router.get("/audits-due")
async def audits_due(session: SessionDep, caller: Reader, limit: Limit = 100,
                     within_days: int = Query(0, ge=0, le=366)) -> list[dict]:
    """Agreements whose audit is due within `within_days` (0: due or overdue today): the first within 3
    months of signing, then yearly (PAY-05), and the final audit after payments stop (PAY-08)."""
    today = clock.today()
    rows = await repository.audits_due(session, caller, by=today + timedelta(days=within_days), limit=limit)
    return [{"agreement_id": a.id, "child_id": a.child_id, "local_authority": a.local_authority,
             "due_on": a.next_audit_due, "overdue": a.next_audit_due < today,
             "kind": "final" if a.final_audit_due else "scheduled", "status": a.status} for a in rows]


@router.post("/agreements/{agreement_id}/audits", status_code=201)
async def record_audit(agreement_id: str, body: AuditCreate, request: Request, session: SessionDep,
                       caller: Finance, key: IdempotencyKey = None) -> JSONResponse:
    """Record an audit: surplus = balance held − outstanding commitments − contingency (DEFAULT 8 weeks of
    payments, per LA) (PAY-06). Only a surplus above zero is reclaimed: it issues a written recovery notice
    with reasons, amount, who must repay, a deadline and a challenge window (DEFAULT 28 days) (PAY-07). The
    next audit falls due a year later (PAY-05).

    One audit counts per period: an audit with the `period_end` of one already recorded **replaces** it
    (`supersedes` names it; it gets `superseded_by`), and the earlier recovery notice, unless confirmed, is
    withdrawn with the reason (`withdrawn_reason`), so a surplus is reclaimed once. A period whose recovery was
    already confirmed cannot be audited again (409, `rule: PAY-07`, naming `recovery_id`). Send an
    `Idempotency-Key`: a retry replays the first response and replaces nothing."""
    settings = settings_of(request)

    async def produce():
        agreement = await repository.agreement(session, caller, agreement_id, lock=True)
        audit, recovery = await audits.record_audit(session, agreement, body, settings)
        return 201, views.audit(audit, recovery)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/agreements/{agreement_id}/audit-requests")
async def request_audit(agreement_id: str, session: SessionDep, caller: Challenger) -> dict:
    """Ask for an audit now (PAY-05: audits happen on request as well as on the cadence). The agreement is
    listed by `GET /v1/payments/audits-due` from today."""
    agreement = await repository.agreement(session, caller, agreement_id, lock=True)
    audits.request_audit(agreement)
    return {"agreement_id": agreement.id, "next_audit_due": agreement.next_audit_due}


@router.get("/recoveries/{recovery_id}")
async def read_recovery(recovery_id: str, session: SessionDep, caller: Reader) -> dict:
    """A recovery notice and what became of it."""
    return views.recovery(await repository.recovery(session, caller, recovery_id))


@router.post("/recoveries/{recovery_id}/challenge")
async def challenge(recovery_id: str, body: Challenge, request: Request, session: SessionDep, caller: Challenger,
                    key: IdempotencyKey = None) -> JSONResponse:
    """The family challenges the notice, with their `grounds`, before `challenge_by` (PAY-07). Accepts
    `Idempotency-Key`."""
    async def produce():
        recovery = await repository.recovery(session, caller, recovery_id)
        audits.challenge(recovery, body.grounds)
        return 200, views.recovery(recovery)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/recoveries/{recovery_id}/decision")
async def decide(recovery_id: str, body: ChallengeDecision, request: Request, session: SessionDep,
                 caller: Finance, key: IdempotencyKey = None) -> JSONResponse:
    """Decide a challenge: `upheld` withdraws the recovery; `rejected` allows it to be confirmed. Accepts
    `Idempotency-Key`."""
    async def produce():
        recovery = await repository.recovery(session, caller, recovery_id)
        audits.decide(recovery, outcome=body.outcome, reason=body.reason)
        return 200, views.recovery(recovery)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/recoveries/{recovery_id}/confirm")
async def confirm(recovery_id: str, body: Confirm, request: Request, session: SessionDep, caller: Finance,
                  key: IdempotencyKey = None) -> JSONResponse:
    """Confirm a recovery once the challenge window has ended or a challenge was rejected (PAY-07; earlier
    is a 409 naming the rule). By `deduction` the amount comes off the next instalments, each stating it;
    by `invoice` the family is invoiced. Publishes `payments.recovery_confirmed.v1`. Send an
    `Idempotency-Key`: a retry replays the first response."""
    async def produce():
        recovery = await repository.recovery(session, caller, recovery_id)
        agreement = await repository.agreement(session, caller, recovery.agreement_id, lock=True)
        await audits.confirm(session, recovery, agreement, method=body.method)
        return 200, views.recovery(recovery)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)
