"""Agreements: opening (PAY-01), payee (PAY-02, PAY-09), signing, schedule (PAY-03), suspend and stop (PAY-08), and
what callers are shown of them. The moves of an agreement's status are the domain's (``domain.Lifecycle``): this
module reads the lifecycle from the row, asks for the next one and writes it back."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.auth import Caller
from kit.crypto import Keyring
from kit.errors import Conflict
from kit.events import utcnow
from kit.pagination import keyset_page
from services.payments import domain, repository
from services.payments.domain import agreements as rules
from services.payments.domain.runs import payable
from services.payments.models import Agreement, LedgerEntry, Notice
from services.payments.schemas import PayeeSet
from services.payments.service import sealed
from services.payments.service.shown import Shown
from services.payments.settings import PaymentsSettings


def lifecycle(agreement: Agreement) -> domain.Lifecycle:
    return domain.Lifecycle(**{f.name: getattr(agreement, f.name) for f in fields(domain.Lifecycle)})


def move(agreement: Agreement, to: domain.Lifecycle) -> Agreement:
    for f in fields(domain.Lifecycle):
        setattr(agreement, f.name, getattr(to, f.name))
    return agreement


async def find(session: AsyncSession, caller: Caller, agreement_id: str, *, lock: bool = False) -> Agreement:
    """The agreement, if it is one of the caller's LAs' (404 otherwise); ``lock`` to change it."""
    return await repository.agreement(session, caller, agreement_id, lock=lock)


async def listed(session: AsyncSession, caller: Caller, *, budget_id: str | None, child_id: str | None, limit: int,
                 cursor: str | None) -> list[Agreement]:
    return await repository.agreements(session, caller, budget_id=budget_id, child_id=child_id, limit=limit,
                                       cursor=cursor)


def _one_per_stream(budget_id: str | None, stream: str | None) -> Conflict:
    return Conflict(f"budget {budget_id} already has a direct-payment agreement for its {stream} stream",
                    errors=[{"field": "stream", "message": "one agreement per budget stream"}])


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
        raise _one_per_stream(budget_id, stream)
    session.add(agreement)
    try:
        await session.flush()
    except IntegrityError as exc:  # the same stream opened at the same moment by another request or event
        raise _one_per_stream(budget_id, stream) from exc
    await repository.add_schedule(session, agreement.id, domain.plan_schedule(annual_pence, frequency, start, end))
    return agreement


async def set_payee(agreement: Agreement, body: PayeeSet, settings: PaymentsSettings) -> None:
    """PAY-02: who is paid and into what; PAY-09: a close relative in the same household is exceptional."""
    lifecycle(agreement).changeable()
    exceptional = rules.exceptional_reason(body.close_relative_same_household, body.exceptional_reason)
    given = body.account
    account = rules.account(given.kind, sort_code=given.sort_code, account_number=given.account_number,
                            card_reference=given.card_reference, fee_pence=given.monthly_fee_pence,
                            default_fee_pence=settings.managed_fee_for(agreement.local_authority))
    agreement.payee_role, agreement.payee_name, agreement.account_kind = body.role, body.name, account.kind
    # Sealed at rest, bound to this agreement (callers see them masked, the bank file in full).
    agreement.sort_code, agreement.account_number, agreement.card_reference = (
        sealed.seal(settings.keyring, agreement.id, field, getattr(account, field)) for field in sealed.FIELDS)
    agreement.monthly_fee_pence = account.monthly_fee_pence
    agreement.close_relative_same_household = body.close_relative_same_household
    agreement.exceptional_reason = exceptional


async def ensure_payable(session: AsyncSession, agreement: Agreement) -> None:
    """Before an agreement is signed or resumed: the child's latest eligibility decision must allow direct
    payment (ELIG-06, ELIG-07, ELIG-09; PAY-08) and its budget must not have closed."""
    decision = await repository.direct_payment_decision(session, agreement.local_authority, agreement.child_id)
    budget = await repository.agreed_budget(session, agreement.budget_id) if agreement.budget_id else None
    rules.refusal_to_pay(allowed=None if decision is None else decision.allowed,
                         reasons=decision.reasons if decision is not None else [],
                         budget_closed=budget is not None and budget.status == "closed",
                         budget_closed_on=budget.closed_on if budget is not None else None)


def sign(agreement: Agreement, *, signed_on: date, signed_by: str) -> None:
    """PAY-01: the signed agreement makes it active; PAY-05: the first audit falls due within 3 months."""
    move(agreement, lifecycle(agreement).sign(on=signed_on, by=signed_by, payee_named=agreement.payee_name
                                                is not None, today=clock.today()))


def suspend(agreement: Agreement, reason: str) -> None:
    """PAY-08: a suspended agreement is not paid by runs until it is resumed."""
    move(agreement, lifecycle(agreement).suspend(reason))


def resume(agreement: Agreement, reason: str) -> None:
    move(agreement, lifecycle(agreement).resume(reason))


def stop(agreement: Agreement, *, reason_code: str, reason: str) -> None:
    """PAY-08: stopping is recorded with its reasons and followed by a final audit (due at once)."""
    move(agreement, lifecycle(agreement).stop(reason_code=reason_code, reason=reason, today=clock.today()))


async def change_amount(session: AsyncSession, agreement: Agreement, *, annual_pence: int,
                        effective_from: date) -> None:
    """PAY-03: a changed agreed amount re-plans the instalments not yet paid and due from ``effective_from``,
    each plan year still adding up exactly. Only the notice paths call this (``notices``, BUD-10)."""
    lifecycle(agreement).changeable()
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


# ------------------------------------------------------------------ what callers are shown
def shown(agreement: Agreement, keyring: Keyring, *, notice: Notice | None = None) -> Shown:
    """The agreement with its payee, bank details opened and masked (PAY-02), and the notice a change issued."""
    payee = None
    if agreement.payee_name is not None:
        details = {field: sealed.masked(keyring, agreement.id, field, getattr(agreement, field))
                   for field in sealed.FIELDS}
        payee = Shown(agreement, role=agreement.payee_role, name=agreement.payee_name,
                      account=rules.shown_account(agreement.account_kind, **details,
                                                  monthly_fee_pence=agreement.monthly_fee_pence),
                      exceptional=agreement.close_relative_same_household)
    return Shown(agreement, payee=payee, notice=notice)


async def schedule(session: AsyncSession, agreement_id: str) -> list[Shown]:
    """The instalments, each with what it pays after any recovery deducted (PAY-07) and whether it is paid."""
    return [Shown(i, payable_pence=payable(i.amount_pence, i.deducted_pence), paid=paid)
            for i, paid in await repository.instalments(session, agreement_id)]


async def payments(session: AsyncSession, agreement_id: str, keyring: Keyring, *, limit: int,
                   cursor: str | None) -> tuple[list[Shown], str | None]:
    """A page of the agreement's payments, oldest due first, bank details masked, and the next page's cursor."""
    rows = await repository.payments_of_agreement(session, agreement_id, limit=limit, cursor=cursor)
    page, next_cursor = keyset_page(rows, limit=limit, keys=repository.PAYMENTS_ORDER)
    return [Shown(p, **{field: sealed.masked(keyring, p.agreement_id, field, getattr(p, field))
                        for field in ("sort_code", "account_number")})
            for p in page], next_cursor


@dataclass(frozen=True)
class Ledger:
    """The agreement's ledger entries, oldest first, and the totals they add up to."""

    entries: Sequence[LedgerEntry]
    paid_pence: int
    returned_pence: int
    recovered_pence: int

    @property
    def net_paid_pence(self) -> int:
        return self.paid_pence - self.returned_pence - self.recovered_pence


async def ledger(session: AsyncSession, agreement_id: str) -> Ledger:
    entries = await repository.ledger(session, agreement_id)
    total = {kind: sum(e.amount_pence for e in entries if e.kind == kind) for kind in ("payment", "return",
                                                                                     "recovery", "repayment")}
    return Ledger(entries, total["payment"], total["return"], total["recovery"] + total["repayment"])
