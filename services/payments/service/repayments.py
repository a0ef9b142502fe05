"""PAY-10: recovery of overpaid or misused money under PAY-07 (notice, reasons, evidence, challenge), then an
affordable repayment plan; each repayment received is a ledger entry and a ``payments.repayment_received.v1`` the
budget books. The notice's challenge and its decision are the recovery routes of ``service/audits.py``."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.events import utcnow
from kit.outbox import add_event
from services.payments import events, repository
from services.payments.domain import audits as notice_rules
from services.payments.domain import repayments as rules
from services.payments.domain.runs import la_account, payee_account
from services.payments.models import Agreement, LedgerEntry, Recovery, Repayment
from services.payments.schemas import PlanCreate, RecoveryCreate
from services.payments.service.audits import REPAY_DAYS_AFTER_WINDOW
from services.payments.settings import PaymentsSettings


async def open_recovery(session: AsyncSession, agreement: Agreement, body: RecoveryCreate,
                        settings: PaymentsSettings) -> Recovery:
    """PAY-10: a written notice (PAY-07) to recover overpaid or misused money: the amount derived from the payments
    made (overpaid) or found by an audit with evidence (misused), never more than was paid and not yet returned,
    recovered or under another notice; the family may challenge it until ``challenge_by``."""
    recoverable = await repository.recoverable(session, agreement.id)
    rules.anything_recoverable(recoverable)
    paid = await repository.live_payments(session, agreement.id)
    if body.kind == "overpaid":
        found = rules.overpaid(paid, changed_on=body.changed_on, owed_pence=body.owed_pence, why=body.reasons)
    else:
        in_period = sum(amount for due, amount in paid if body.period_start <= due <= body.period_end)
        found = rules.misused(body.amount_pence, evidence=[e.model_dump() for e in body.evidence],
                              paid_in_period_pence=in_period, period_start=body.period_start,
                              period_end=body.period_end, why=body.reasons)
    rules.within_recoverable(found.amount_pence, recoverable)
    today, la = clock.today(), agreement.local_authority
    challenge_by = today + timedelta(days=settings.challenge_days_for(la))
    recovery = Recovery(
        id=str(uuid.uuid4()), agreement_id=agreement.id, audit_id=body.audit_id, local_authority=la,
        amount_pence=found.amount_pence, reasons=found.reasons,
        who_must_repay=f"{agreement.payee_name} ({agreement.payee_role})", method="deduction",
        status="notice_issued", notice_issued_on=today, challenge_by=challenge_by,
        repay_by=challenge_by + timedelta(days=REPAY_DAYS_AFTER_WINDOW), created_at=utcnow(), kind=body.kind,
        evidence=[e.model_dump() for e in body.evidence] or None, repaid_pence=0)
    session.add(recovery)
    await session.flush()
    return recovery


async def agree_plan(session: AsyncSession, recovery: Recovery, agreement: Agreement, body: PlanCreate,
                     settings: PaymentsSettings) -> list[Repayment]:
    """PAY-07/PAY-10: once the challenge window has passed (or a challenge was rejected), the affordable plan: by
    deduction from the instalments still to pay, never below the floor, or by monthly invoices. Its parts add up
    to the amount exactly; a deduction is taken by the run that pays its instalment."""
    if recovery.kind == "surplus":
        raise rules.Refused("a surplus recovery is confirmed with /confirm (PAY-07)", rule="PAY-07")
    rules.repayable(recovery.status)
    today = clock.today()
    notice_rules.confirmable(recovery.status, challenge_by=recovery.challenge_by, today=today)
    now = utcnow()
    rows: list[Repayment] = []

    def part(seq: int, **values) -> Repayment:
        return Repayment(id=str(uuid.uuid4()), recovery_id=recovery.id, agreement_id=agreement.id,
                         local_authority=agreement.local_authority, seq=seq, method=body.method, created_at=now,
                         **values)

    if body.method == "deduction":
        if agreement.status != "active":
            raise rules.Invalid("method", f"payments under this agreement are {agreement.status}: there are no "
                                "instalments to deduct from; repay by invoice", rule=rules.RULE)
        floor = settings.repayment_floor_percent
        upcoming = await repository.upcoming_instalments(session, agreement.id, after=today)
        plan = rules.deduction_schedule(
            recovery.amount_pence, [(i.id, i.amount_pence, i.deducted_pence) for i in upcoming],
            per_instalment_pence=body.per_instalment_pence, per_instalment_percent=body.per_instalment_percent,
            floor_percent=floor)
        by_id = {i.id: i for i in upcoming}
        for seq, (ident, take) in enumerate(plan, start=1):
            by_id[ident].deducted_pence += take
            rows.append(part(seq, due_date=by_id[ident].due_date, amount_pence=take, instalment_id=ident,
                             status="scheduled"))
        terms = {"method": "deduction", "per_instalment_pence": body.per_instalment_pence,
                 "per_instalment_percent": body.per_instalment_percent, "floor_percent": floor,
                 "instalments": len(plan)}
    else:
        if not body.instalments:
            raise rules.Invalid("instalments", "an invoice plan says in how many monthly invoices", rule=rules.RULE)
        first = body.first_due or recovery.repay_by
        schedule = rules.invoice_schedule(recovery.amount_pence, instalments=body.instalments, first_due=first)
        rows = [part(seq, due_date=due, amount_pence=amount, status="invoiced")
                for seq, (due, amount) in enumerate(schedule, start=1)]
        terms = {"method": "invoice", "instalments": body.instalments, "first_due": first.isoformat()}
    await repository.add_repayments(session, rows)
    recovery.status, recovery.method, recovery.plan = "repaying", body.method, terms
    recovery.deductions = [{"due_date": r.due_date.isoformat(), "amount_pence": r.amount_pence} for r in rows
                           if r.method == "deduction"] or None
    return rows


async def listed(session: AsyncSession, recovery: Recovery) -> Sequence[Repayment]:
    return await repository.repayments_of(session, recovery.id)


async def receive_invoice(session: AsyncSession, recovery: Recovery, agreement: Agreement, repayment_id: str,
                          received_on) -> Repayment:
    """PAY-10: an invoice instalment paid: booked and announced once."""
    if recovery.kind == "surplus":
        raise rules.Refused("a surplus recovery has no repayment plan: it is confirmed whole (PAY-07)",
                            rule="PAY-07")
    repayment = await repository.repayment(session, recovery.id, repayment_id)
    rules.received(repayment.status)
    _receive(session, repayment, recovery, agreement, received_on=received_on or clock.today(), payment_id=None)
    await add_event(session, events.repayment_received(repayment, recovery, agreement))
    return repayment


async def received_by_run(session: AsyncSession, instalment_ids: Sequence[int], payment_ids: dict[int, str],
                          run_date) -> None:
    """PAY-10: the deductions a run took from the instalments it paid, each booked and announced once (in the run
    chunk's transaction, with the payments)."""
    due = await repository.deductions_due(session, instalment_ids)
    if not due:
        return
    recoveries = await repository.recoveries_by_ids(session, {r.recovery_id for r in due})
    agreements = await repository.agreements_by_ids(session, {r.agreement_id for r in due})
    for repayment in due:
        recovery, agreement = recoveries[repayment.recovery_id], agreements[repayment.agreement_id]
        _receive(session, repayment, recovery, agreement, received_on=run_date,
                 payment_id=payment_ids.get(repayment.instalment_id))
        await add_event(session, events.repayment_received(repayment, recovery, agreement))


def _receive(session: AsyncSession, repayment: Repayment, recovery: Recovery, agreement: Agreement, *,
             received_on, payment_id: str | None) -> None:
    now = utcnow()
    repayment.status, repayment.received_on, repayment.received_at = "received", received_on, now
    repayment.payment_id = payment_id
    recovery.repaid_pence += repayment.amount_pence
    if recovery.repaid_pence >= recovery.amount_pence:
        recovery.status = "repaid"
    session.add(LedgerEntry(
        agreement_id=agreement.id, local_authority=agreement.local_authority, kind="repayment",
        debit_account=la_account(agreement.local_authority), credit_account=payee_account(agreement.id),
        amount_pence=repayment.amount_pence, recovery_id=recovery.id, payment_id=payment_id,
        memo=(f"{recovery.kind} money repaid by {repayment.method} ({repayment.seq} of the plan) after notice of "
              f"{recovery.notice_issued_on.isoformat()} (PAY-10)"),
        entry_date=received_on, created_at=now))
