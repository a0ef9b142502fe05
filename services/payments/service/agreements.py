"""Agreements: opening (PAY-01), payee (PAY-02, PAY-09), signing, schedule (PAY-03), suspend and stop
(PAY-08)."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kit.errors import Conflict, InvalidInput, RuleViolation
from kit.events import utcnow
from services.payments import clock, domain, repository, sealed
from services.payments.models import Agreement, ScheduledInstalment
from services.payments.schemas import PayeeSet
from services.payments.settings import PaymentsSettings


async def open_agreement(session: AsyncSession, *, la: str, budget_id: str | None, child_id: str,
                         stream: str | None, annual_pence: int, frequency: str, start: date, end: date,
                         purpose: str, opened_from: str) -> Agreement:
    """A new agreement awaiting signature, with its schedule planned from ``start`` to ``end`` (PAY-01, PAY-03).
    The checks against the agreed budget are the caller's (``budgets.check_opening``)."""
    agreement = Agreement(
        id=str(uuid.uuid4()), local_authority=la, budget_id=budget_id, child_id=child_id, stream=stream,
        annual_amount_pence=annual_pence, frequency=frequency, start_date=start, end_date=end,
        purpose=purpose, status="awaiting_signature", opened_from=opened_from, monthly_fee_pence=0,
        close_relative_same_household=False, final_audit_due=False, created_at=utcnow())
    if budget_id and stream and await repository.agreement_for_stream(session, budget_id, stream):
        raise Conflict(f"budget {budget_id} already has a direct-payment agreement for its {stream} stream",
                       errors=[{"field": "stream", "message": "one agreement per budget stream"}])
    session.add(agreement)
    try:
        await session.flush()
    except IntegrityError as exc:  # the same stream opened at the same moment by another request or event
        raise Conflict(f"budget {budget_id} already has a direct-payment agreement for its {stream} stream",
                       errors=[{"field": "stream", "message": "one agreement per budget stream"}]) from exc
    plan = domain.plan_schedule(annual_pence, frequency, start, end)
    await session.execute(insert(ScheduledInstalment), [
        {"agreement_id": agreement.id, "seq": i.seq, "due_date": i.due_date, "amount_pence": i.amount_pence,
         "deducted_pence": 0, "basis": i.basis, "settled": False} for i in plan])
    return agreement


def _require(value: str | None, field: str, kind: str) -> str:
    if not value:
        raise InvalidInput.field(f"account.{field}", f"required for a {kind.replace('_', ' ')}",
                                 rule="PAY-02")
    return value


async def set_payee(agreement: Agreement, body: PayeeSet, settings: PaymentsSettings) -> None:
    """PAY-02: who is paid and into what; PAY-09: a close relative in the same household is exceptional."""
    if agreement.status == "stopped":
        raise RuleViolation("direct payments under this agreement have stopped", rule="PAY-08")
    if body.close_relative_same_household and not body.exceptional_reason:
        raise InvalidInput.field("exceptional_reason", "paying a close relative in the same household is "
                                 "exceptional and needs a recorded reason", rule="PAY-09")
    account = body.account
    sort_code = account_number = card = None
    fee = 0
    if account.kind in ("bank_account", "managed_account"):
        sort_code = _require(account.sort_code, "sort_code", account.kind)
        account_number = _require(account.account_number, "account_number", account.kind)
    else:
        card = _require(account.card_reference, "card_reference", account.kind)
    if account.kind == "managed_account":
        fee = account.monthly_fee_pence if account.monthly_fee_pence is not None else \
            settings.managed_fee_for(agreement.local_authority)
    agreement.payee_role, agreement.payee_name, agreement.account_kind = body.role, body.name, account.kind
    # Sealed at rest, bound to this agreement (the views show them masked, the bank file in full).
    agreement.sort_code, agreement.account_number, agreement.card_reference = (
        sealed.seal(settings.keyring, agreement.id, field, value)
        for field, value in zip(sealed.FIELDS, (sort_code, account_number, card), strict=True))
    agreement.monthly_fee_pence = fee
    agreement.close_relative_same_household = body.close_relative_same_household
    agreement.exceptional_reason = body.exceptional_reason if body.close_relative_same_household else None


async def ensure_payable(session: AsyncSession, agreement: Agreement) -> None:
    """Before an agreement is signed or resumed: the child's latest eligibility decision must allow direct
    payment (ELIG-06, ELIG-07, ELIG-09; PAY-08) and its budget must not have closed."""
    decision = await repository.direct_payment_decision(session, agreement.local_authority, agreement.child_id)
    if decision is not None and not decision.allowed:
        rules = [r.get("rule") for r in decision.reasons if r.get("rule")] or ["PAY-08"]
        raise RuleViolation("direct payment is refused for this child by their latest eligibility decision: "
                            + "; ".join(f"{r.get('rule')}: {r.get('message')}" for r in decision.reasons),
                            rule=rules[0], refusals=decision.reasons)
    if agreement.budget_id:
        budget = await repository.agreed_budget(session, agreement.budget_id)
        if budget is not None and budget.status == "closed":
            raise RuleViolation(f"the budget closed on {budget.closed_on}: nothing more is paid from it",
                                rule="PAY-08")


def sign(agreement: Agreement, *, signed_on: date, signed_by: str) -> None:
    """PAY-01: the signed agreement makes it active; PAY-05: the first audit falls due within 3 months."""
    if agreement.status != "awaiting_signature":
        raise Conflict(f"agreement is {agreement.status}, not awaiting signature")
    if agreement.payee_name is None:
        raise RuleViolation("the agreement must name its payee and account before it is signed",
                            rule="PAY-02",
                            errors=[{"field": "payee", "message": "set with PUT .../payee first"}])
    if signed_on > clock.today():
        raise InvalidInput.field("signed_on", "cannot be in the future")
    agreement.status, agreement.signed_on, agreement.signed_by = "active", signed_on, signed_by
    agreement.next_audit_due = domain.first_audit_due(signed_on)


async def change_amount(session: AsyncSession, agreement: Agreement, *, annual_pence: int,
                        effective_from: date) -> None:
    """PAY-03: a changed agreed amount re-plans the instalments not yet paid and due from ``effective_from``,
    each plan year still adding up exactly. Only the notice paths call this (``notices``, BUD-10)."""
    if agreement.status == "stopped":
        raise RuleViolation("direct payments under this agreement have stopped", rule="PAY-08")
    schedule = await repository.instalments(session, agreement.id)
    current = [(i.due_date, i.amount_pence, paid or i.due_date < effective_from) for i, paid in schedule]
    plan = domain.replan(annual_pence=annual_pence, frequency=agreement.frequency, start=agreement.start_date,
                         end=agreement.end_date, current=current, on=effective_from)
    kept = {due for due, _, keep in current if keep}
    by_due = {i.due_date: i for i, _ in schedule}
    for new in plan:
        row = by_due[new.due_date]
        if new.due_date not in kept:
            row.amount_pence, row.basis = new.amount_pence, new.basis
    agreement.annual_amount_pence = annual_pence


def suspend(agreement: Agreement, reason: str) -> None:
    """PAY-08: a suspended agreement is not paid by runs until it is resumed."""
    if agreement.status != "active":
        raise Conflict(f"only an active agreement can be suspended; this one is {agreement.status}")
    agreement.status, agreement.status_reason = "suspended", reason


def resume(agreement: Agreement, reason: str) -> None:
    if agreement.status != "suspended":
        raise Conflict(f"only a suspended agreement can be resumed; this one is {agreement.status}")
    agreement.status, agreement.status_reason = "active", reason


def stop(agreement: Agreement, *, reason_code: str, reason: str) -> None:
    """PAY-08: stopping is recorded with its reasons and followed by a final audit (due at once)."""
    if agreement.status == "stopped":
        raise Conflict("agreement has already stopped")
    was_signed = agreement.signed_on is not None
    agreement.status, agreement.stop_reason, agreement.status_reason = "stopped", reason_code, reason
    if was_signed:
        agreement.next_audit_due, agreement.final_audit_due = clock.today(), True
    else:
        agreement.next_audit_due = None
