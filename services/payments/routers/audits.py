"""Audits and surplus (PAY-05, PAY-06): ``/v1/payments/audits-due``, ``/v1/payments/agreements/{id}/audits``."""
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from kit.auth import caller_with
from kit.idempotency import IdempotencyKey, idempotent
from kit.pagination import Cursor, Limit, Page
from kit.service import SessionDep, settings_of
from services.payments.schemas import AuditCreate, AuditDueRead, AuditRead, AuditRequested
from services.payments.service import agreements, audits

router = APIRouter(tags=["payments: audits and recovery"])
Finance = caller_with("finance")
Challenger = caller_with("casework", "finance")
Reader = caller_with("casework", "finance", "read")


@router.get("/audits-due")
async def audits_due(session: SessionDep, caller: Reader, limit: Limit = 100, cursor: Cursor = None,
                     within_days: int = Query(0, ge=0, le=366)) -> Page[AuditDueRead]:
    """Agreements whose audit is due within `within_days` (0: due or overdue today), soonest first: the first
    within 3 months of signing, then yearly (PAY-05), and the final audit after payments stop (PAY-08). A page
    of the caller's local authorities: pass `next_cursor` back as `cursor` for the next."""
    page, next_cursor = await audits.due(session, caller, within_days=within_days, limit=limit, cursor=cursor)
    return Page[AuditDueRead](items=[AuditDueRead.model_validate(a) for a in page], next_cursor=next_cursor)


@router.post("/agreements/{agreement_id}/audits", status_code=201, response_model=AuditRead)
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
        agreement = await agreements.find(session, caller, agreement_id, lock=True)
        return 201, AuditRead.model_validate(await audits.record_audit(session, agreement, body, settings))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/agreements/{agreement_id}/audit-requests")
async def request_audit(agreement_id: str, session: SessionDep, caller: Challenger) -> AuditRequested:
    """Ask for an audit now (PAY-05: audits happen on request as well as on the cadence). The agreement is
    listed by `GET /v1/payments/audits-due` from today."""
    agreement = await agreements.find(session, caller, agreement_id, lock=True)
    audits.request_audit(agreement)
    return AuditRequested(agreement_id=agreement.id, next_audit_due=agreement.next_audit_due)
