"""Audits (PAY-05), surplus (PAY-06) and fair recovery (PAY-07)."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.auth import Caller
from kit.events import utcnow
from kit.outbox import add_event
from kit.pagination import keyset_page
from services.payments import domain, events, repository
from services.payments.domain import audits as rules
from services.payments.domain.runs import la_account, payable, payee_account
from services.payments.models import Agreement, Audit, LedgerEntry, Recovery
from services.payments.schemas import AuditCreate
from services.payments.service.agreements import lifecycle, move
from services.payments.service.shown import Shown
from services.payments.settings import PaymentsSettings

REPAY_DAYS_AFTER_WINDOW = 28


async def record_audit(session: AsyncSession, agreement: Agreement, body: AuditCreate,
                       settings: PaymentsSettings) -> Shown:
    """PAY-05/06: record the audit, keep the contingency, and issue a recovery notice only for a surplus. An
    audit of a period already audited replaces the earlier audit (``_replace``)."""
    lifecycle(agreement).auditable()
    today, la = clock.today(), agreement.local_authority
    rules.period_ended(body.period_end, today)
    result = domain.surplus(balance_pence=body.balance_held_pence,
                            commitments_pence=body.outstanding_commitments_pence,
                            annual_pence=agreement.annual_amount_pence,
                            contingency_weeks=settings.contingency_weeks_for(la))
    audit_id = str(uuid.uuid4())
    earlier = await _replace(session, agreement, audit_id=audit_id, period_end=body.period_end)
    kind = earlier.kind if earlier else "final" if agreement.final_audit_due else "scheduled"
    audit = Audit(id=audit_id, agreement_id=agreement.id, local_authority=la, kind=kind,
                  period_end=body.period_end, audited_on=today, balance_held_pence=body.balance_held_pence,
                  outstanding_commitments_pence=body.outstanding_commitments_pence,
                  contingency_pence=result.contingency_pence, surplus_pence=result.surplus_pence,
                  basis={"surplus": result.basis, "contingency": result.contingency_basis},
                  supersedes=earlier.id if earlier else None, created_at=utcnow())
    session.add(audit)
    move(agreement, lifecycle(agreement).audited(today))
    recovery = None
    await session.flush()  # the earlier audit's notice, withdrawn by _replace, no longer counts as open
    amount, capped = domain.recoverable_part(result.surplus_pence, await repository.recoverable(session, agreement.id))
    if amount > 0:
        challenge_by = today + timedelta(days=settings.challenge_days_for(la))
        recovery = Recovery(
            id=str(uuid.uuid4()), agreement_id=agreement.id, audit_id=audit.id, local_authority=la,
            amount_pence=amount,
            reasons=domain.recovery_reasons(result, period_end=body.period_end, extra=[*capped, *body.reasons]),
            who_must_repay=f"{agreement.payee_name} ({agreement.payee_role})", method=body.recovery_method,
            status="notice_issued", notice_issued_on=today, challenge_by=challenge_by,
            repay_by=challenge_by + timedelta(days=REPAY_DAYS_AFTER_WINDOW), created_at=utcnow(), kind="surplus",
            repaid_pence=0)
        session.add(recovery)
    await session.flush()
    return Shown(audit, recovery=recovery)


async def _replace(session: AsyncSession, agreement: Agreement, *, audit_id: str,
                   period_end: date) -> Audit | None:
    """PAY-06: only the surplus is reclaimed, once. A second audit of the same period (a correction, or the same
    audit sent again without an Idempotency-Key) replaces the first: the first is kept, marked superseded, and
    its recovery notice withdrawn with the reason, so one recovery at most stays open for the period. A recovery
    already confirmed has taken money back after its notice (PAY-07): a new audit may not silently replace it."""
    earlier = await repository.current_audit(session, agreement.id, period_end)
    if earlier is None:
        return None
    recovery = await repository.recovery_of_audit(session, earlier.id)
    if recovery is not None:
        rules.replaceable(period_end=period_end, recovery_id=recovery.id, recovery_status=recovery.status,
                          confirmed_on=recovery.confirmed_at.date() if recovery.confirmed_at else None,
                          audit_id=earlier.id)
    now = utcnow()
    earlier.superseded_by, earlier.superseded_at = audit_id, now
    if recovery is not None and recovery.status != "withdrawn":
        recovery.status = "withdrawn"
        recovery.withdrawn_reason = (
            f"Withdrawn: a new audit of the period ending {period_end.isoformat()} on "
            f"{clock.today().isoformat()} replaced the audit that issued this notice; only the surplus it finds "
            "is reclaimed, under its own notice (PAY-06).")
    await session.flush()  # the earlier audit stops being current before the new one is written
    return earlier


def request_audit(agreement: Agreement) -> None:
    """PAY-05: an audit on request falls due at once (an earlier due date stays)."""
    move(agreement, lifecycle(agreement).audit_requested(clock.today()))


async def find_recovery(session: AsyncSession, caller: Caller, recovery_id: str) -> Recovery:
    """The recovery, if it is one of the caller's LAs' (404 otherwise), locked to change it."""
    return await repository.recovery(session, caller, recovery_id)


async def due(session: AsyncSession, caller: Caller, *, within_days: int, limit: int,
              cursor: str | None) -> tuple[list[Shown], str | None]:
    """PAY-05/PAY-08: a page of the agreements whose audit is due within ``within_days``, soonest first, and whether
    each is overdue or final; and the next page's cursor."""
    today = clock.today()
    rows = await repository.audits_due(session, caller, by=today + timedelta(days=within_days), limit=limit,
                                       cursor=cursor)
    page, next_cursor = keyset_page(rows, limit=limit, keys=repository.AUDITS_DUE_ORDER)
    return [Shown(a, agreement_id=a.id, due_on=a.next_audit_due, overdue=a.next_audit_due < today,
                  kind="final" if a.final_audit_due else "scheduled") for a in page], next_cursor


def challenge(recovery: Recovery, grounds: str) -> None:
    """PAY-07: the family may challenge the notice until the window closes."""
    recovery.status = rules.challenge(recovery.status, challenge_by=recovery.challenge_by, today=clock.today())
    recovery.challenge_grounds = grounds


def decide(recovery: Recovery, *, outcome: str, reason: str) -> None:
    """An upheld challenge withdraws the recovery; a rejected one lets it be confirmed."""
    recovery.status = rules.decide(recovery.status, outcome=outcome)
    recovery.decision_reason = reason


async def confirm(session: AsyncSession, recovery: Recovery, agreement: Agreement, *,
                  method: str | None) -> None:
    """PAY-07: no silent clawback. Confirmed only after the challenge window (or a decided challenge), then
    taken by deduction from future instalments or by invoice."""
    if recovery.kind != "surplus":
        raise domain.Refused("overpaid or misused money is repaid under an agreed repayment plan: POST "
                             f"/v1/payments/recoveries/{recovery.id}/repayment-plan", rule="PAY-10")
    rules.confirmable(recovery.status, challenge_by=recovery.challenge_by, today=clock.today())
    method = method or recovery.method
    if method == "deduction":
        await _deduct(session, recovery, agreement)
    now = utcnow()
    recovery.status, recovery.method, recovery.confirmed_at = "confirmed", method, now
    session.add(LedgerEntry(
        agreement_id=agreement.id, local_authority=agreement.local_authority, kind="recovery",
        debit_account=la_account(agreement.local_authority), credit_account=payee_account(agreement.id),
        amount_pence=recovery.amount_pence, recovery_id=recovery.id,
        memo=f"surplus recovered by {method} after notice of {recovery.notice_issued_on.isoformat()} "
             "(PAY-07)",
        entry_date=now.date(), created_at=now))
    await add_event(session, events.recovery_confirmed(recovery_id=recovery.id, agreement=agreement,
                                                       amount_pence=recovery.amount_pence, method=method,
                                                       confirmed_at=now))


async def _deduct(session: AsyncSession, recovery: Recovery, agreement: Agreement) -> None:
    upcoming = await repository.upcoming_instalments(session, agreement.id, after=clock.today())
    plan = domain.deduction_plan(recovery.amount_pence,
                                 [(i.id, payable(i.amount_pence, i.deducted_pence)) for i in upcoming])
    rules.deductions_cover(plan, recovery.amount_pence)
    by_id = {i.id: i for i in upcoming}
    for ident, take in plan:
        by_id[ident].deducted_pence += take
    recovery.deductions = [{"due_date": by_id[i].due_date.isoformat(), "amount_pence": take} for i,
                           take in plan]
