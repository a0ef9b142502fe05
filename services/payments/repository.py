"""Every query of the payments service. Reads on behalf of a caller are scoped to the caller's LAs."""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, bindparam, case, exists, func, insert, literal, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.db import bulk_insert
from kit.pagination import keyset, newest_first
from kit.tables import outbox
from kit.tenancy import found, scoped
from services.payments.models import (
    AgreedBudget,
    AgreedStream,
    Agreement,
    Audit,
    BankFileSubmission,
    DirectPaymentDecision,
    LedgerEntry,
    Notice,
    Payment,
    Recovery,
    Repayment,
    Run,
    ScheduledInstalment,
)

LIVE = Payment.status != "returned"


class PaymentRow(NamedTuple):
    """A row of ``payments`` as a run writes it, in bulk: its fields are the columns, in COPY's order."""

    id: str
    run_id: str
    agreement_id: str
    local_authority: str
    due_date: date
    amount_pence: int
    status: str
    basis: str
    payee_name: str
    sort_code: str | None
    account_number: str | None
    card_reference: str | None
    reference: str
    issued_on: date
    created_at: datetime


class LedgerRow(NamedTuple):
    """A row of ``ledger_entries`` as a run writes it, in bulk."""

    agreement_id: str
    local_authority: str
    kind: str
    debit_account: str
    credit_account: str
    amount_pence: int
    payment_id: str
    memo: str
    entry_date: date
    created_at: datetime


class OutboxRow(NamedTuple):
    """A row of kit's ``outbox`` as a run writes it, in bulk: ``body`` is the serialised envelope (``events``)."""

    event_id: str
    type: str
    body: bytes
    created_at: datetime


PAYMENT_COLUMNS, LEDGER_COLUMNS, OUTBOX_COLUMNS = PaymentRow._fields, LedgerRow._fields, OutboxRow._fields


async def agreement(session: AsyncSession, caller: Caller, agreement_id: str, *,
                    lock: bool = False) -> Agreement:
    stmt = scoped(select(Agreement).where(Agreement.id == agreement_id), Agreement.local_authority, caller)
    if lock:
        stmt = stmt.with_for_update()
    return found((await session.execute(stmt)).scalar_one_or_none(), "agreement", agreement_id)


async def agreement_for_stream(session: AsyncSession, budget_id: str, stream: str) -> Agreement | None:
    stmt = select(Agreement).where(Agreement.budget_id == budget_id, Agreement.stream == stream)
    return (await session.execute(stmt)).scalar_one_or_none()


async def agreement_by_key(session: AsyncSession, agreement_id: str) -> Agreement | None:
    """The agreement, whoever asks (a use case acting on a record that names it)."""
    return await session.get(Agreement, agreement_id)


async def add_schedule(session: AsyncSession, agreement_id: str, plan: Iterable[Any]) -> None:
    """The instalments of a new agreement's schedule (``domain.Instalment``s), none paid or deducted yet."""
    await session.execute(insert(ScheduledInstalment), [
        {"agreement_id": agreement_id, "seq": i.seq, "due_date": i.due_date, "amount_pence": i.amount_pence,
         "deducted_pence": 0, "basis": i.basis, "settled": False} for i in plan])


async def agreements(session: AsyncSession, caller: Caller, *, budget_id: str | None, child_id: str | None,
                     limit: int, cursor: str | None) -> list[Agreement]:
    """Newest first, ``limit + 1`` rows (the extra one says there is a next page)."""
    stmt = scoped(select(Agreement), Agreement.local_authority, caller)
    if budget_id:
        stmt = stmt.where(Agreement.budget_id == budget_id)
    if child_id:
        stmt = stmt.where(Agreement.child_id == child_id)
    stmt = newest_first(stmt, Agreement.created_at, Agreement.id, limit=limit, cursor=cursor)
    return list((await session.execute(stmt)).scalars().all())


async def instalments(session: AsyncSession, agreement_id: str) -> list[tuple[ScheduledInstalment, bool]]:
    """The schedule, each instalment with whether it has a live (not returned) payment."""
    paid = exists().where(Payment.agreement_id == ScheduledInstalment.agreement_id,
                          Payment.due_date == ScheduledInstalment.due_date, LIVE)
    stmt = (select(ScheduledInstalment, paid.label("paid"))
            .where(ScheduledInstalment.agreement_id == agreement_id).order_by(ScheduledInstalment.due_date))
    return [(row[0], bool(row[1])) for row in (await session.execute(stmt)).all()]


async def ledger(session: AsyncSession, agreement_id: str) -> Sequence[LedgerEntry]:
    stmt = select(LedgerEntry).where(LedgerEntry.agreement_id == agreement_id).order_by(LedgerEntry.id)
    return (await session.execute(stmt)).scalars().all()


PAYMENTS_ORDER = ("due_date", "created_at", "id")


async def payments_of_agreement(session: AsyncSession, agreement_id: str, *, limit: int,
                                cursor: str | None) -> Sequence[Payment]:
    """Oldest due first, ``limit + 1`` rows (the extra one says there is a next page)."""
    stmt = select(Payment).where(Payment.agreement_id == agreement_id)
    stmt = keyset(stmt, [getattr(Payment, c) for c in PAYMENTS_ORDER], limit=limit, cursor=cursor)
    return (await session.execute(stmt)).scalars().all()


AUDITS_DUE_ORDER = ("next_audit_due", "id")


async def audits_due(session: AsyncSession, caller: Caller, *, by: date, limit: int,
                     cursor: str | None) -> Sequence[Agreement]:
    """Soonest due first, ``limit + 1`` rows (the extra one says there is a next page)."""
    stmt = scoped(select(Agreement).where(Agreement.next_audit_due.is_not(None),
                                          Agreement.next_audit_due <= by),
                  Agreement.local_authority, caller)
    stmt = keyset(stmt, [getattr(Agreement, c) for c in AUDITS_DUE_ORDER], limit=limit, cursor=cursor)
    return (await session.execute(stmt)).scalars().all()


async def current_audit(session: AsyncSession, agreement_id: str, period_end: date) -> Audit | None:
    """The audit of the period not yet replaced by a later one (at most one: ``uq_audits_current_period``)."""
    stmt = select(Audit).where(Audit.agreement_id == agreement_id, Audit.period_end == period_end,
                               Audit.superseded_by.is_(None))
    return (await session.execute(stmt.with_for_update())).scalar_one_or_none()


async def recoverable(session: AsyncSession, agreement_id: str) -> int:
    """PAY-10: what could still be recovered under the agreement: paid, less bank returns, recoveries confirmed and
    recoveries whose notice is still open (notice issued, challenged, challenge rejected) or whose repayment plan
    is still to be repaid (PAY-10: its repayments received are ledger entries already)."""
    e = LedgerEntry
    signed = case((e.kind == "payment", e.amount_pence), else_=-e.amount_pence)
    paid = (await session.execute(select(func.coalesce(func.sum(signed), 0))
                                  .where(e.agreement_id == agreement_id))).scalar_one()
    pending = (await session.execute(select(func.coalesce(func.sum(Recovery.amount_pence - Recovery.repaid_pence),
                                                          0)).where(
        Recovery.agreement_id == agreement_id,
        Recovery.status.in_(("notice_issued", "challenged", "challenge_rejected", "repaying"))))).scalar_one()
    return max(int(paid) - int(pending), 0)


async def recovery_of_audit(session: AsyncSession, audit_id: str) -> Recovery | None:
    stmt = select(Recovery).where(Recovery.audit_id == audit_id)
    return (await session.execute(stmt.with_for_update())).scalar_one_or_none()


async def recovery(session: AsyncSession, caller: Caller, recovery_id: str) -> Recovery:
    stmt = scoped(select(Recovery).where(Recovery.id == recovery_id), Recovery.local_authority, caller)
    return found((await session.execute(stmt.with_for_update())).scalar_one_or_none(), "recovery",
                 recovery_id)


async def run(session: AsyncSession, caller: Caller, run_id: str) -> Run:
    stmt = scoped(select(Run).where(Run.id == run_id), Run.local_authority, caller)
    return found((await session.execute(stmt)).scalar_one_or_none(), "run", run_id)


# ------------------------------------------------------------------ payment runs
async def serialise_runs(session: AsyncSession, la: str) -> None:
    """One run at a time per LA: a second waits, then finds what the first paid already (PostgreSQL
    advisory lock; SQLite's writer lock already serialises)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"payments-run:{la}"})


def _due(la: str, run_date: date) -> list[Any]:
    """PAY-01 + PAY-04: instalments of signed, active agreements due up to the run date (arrears included)
    that no live payment covers. ``settled`` changes in the same transaction as the payment (or the bank
    return) it reflects; if it were ever wrong, the unique index on live payments refuses the payment."""
    i, a = ScheduledInstalment, Agreement
    # PAY-08: an agreement under notice of suspension is paid only what falls due before the notice ends.
    return [a.local_authority == la, a.status == "active", ~i.settled, i.due_date <= run_date,
            (a.pay_before.is_(None)) | (i.due_date < a.pay_before)]


async def due_instalments(session: AsyncSession, *, la: str, run_date: date, limit: int,
                          after: tuple[date, int] | None = None) -> list[Any]:
    """Up to ``limit`` instalments to pay now, with what a payment needs to know, in (due date, id) order
    from ``after``: a run walks the unsettled-instalments index once instead of rescanning it per chunk."""
    i, a = ScheduledInstalment, Agreement
    stmt = (select(i.id, i.agreement_id, i.due_date, i.amount_pence, i.deducted_pence, i.basis, a.budget_id,
                   a.child_id, a.stream, a.payee_name, a.account_kind, a.sort_code, a.account_number,
                   a.card_reference)
            .join(a, a.id == i.agreement_id).where(*_due(la, run_date)))
    if after is not None:
        stmt = stmt.where(tuple_(i.due_date, i.id) > tuple_(literal(after[0]), literal(after[1])))
    return list((await session.execute(stmt.order_by(i.due_date, i.id).limit(limit))).all())


async def count_due(session: AsyncSession, *, la: str, run_date: date) -> int:
    i, a = ScheduledInstalment, Agreement
    stmt = select(func.count()).select_from(i).join(a, a.id == i.agreement_id).where(*_due(la, run_date))
    return (await session.execute(stmt)).scalar_one()


async def run_for_update(session: AsyncSession, run_id: str) -> Run:
    return (await session.execute(select(Run).where(Run.id == run_id).with_for_update())).scalar_one()


def _lease_expired(now: datetime) -> Any:
    """A run still running whose lease ran out before ``now`` (or that never had one: a run from before leases)."""
    return (Run.status == "running") & (Run.lease_expires_at.is_(None) | (Run.lease_expires_at < now))


async def claim_expired_runs(session: AsyncSession, *, now: datetime, owner: str, until: datetime,
                             passing_over: Collection[str] = (), limit: int = 10) -> list[str]:
    """Take the lease of up to ``limit`` runs whose lease expired, for ``owner`` until ``until``; their ids.
    PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so replicas looking at once take different runs and never wait on
    a run whose process is in the middle of a chunk (it holds the row); SQLite: its writer lock serialises.
    The update takes only runs still expired, so of two claimers of one run only one wins."""
    stmt = select(Run.id).where(_lease_expired(now)).order_by(Run.created_at, Run.id).limit(limit)
    if passing_over:
        stmt = stmt.where(Run.id.not_in(list(passing_over)))
    ids = list((await session.execute(stmt.with_for_update(skip_locked=True))).scalars().all())
    if not ids:
        return []
    taken = await session.execute(update(Run).where(Run.id.in_(ids), _lease_expired(now))
                                  .values(lease_owner=owner, lease_expires_at=until).returning(Run.id)
                                  .execution_options(synchronize_session=False))
    return list(taken.scalars().all())


async def write_payments(session: AsyncSession, payments: Sequence[PaymentRow], ledger: Sequence[LedgerRow],
                         events: Sequence[OutboxRow]) -> None:
    await bulk_insert(session, Payment.__table__, PAYMENT_COLUMNS, payments)
    await bulk_insert(session, LedgerEntry.__table__, LEDGER_COLUMNS, ledger)
    await bulk_insert(session, outbox, OUTBOX_COLUMNS, events)


async def settle(session: AsyncSession, instalment_ids: Sequence[int], *, settled: bool = True) -> None:
    """Mark instalments as covered by a live payment (or, after a bank return, as not covered any more)."""
    if not instalment_ids:
        return
    if session.bind.dialect.name == "postgresql":  # one array parameter instead of thousands of bind values
        await session.execute(text("UPDATE instalments SET settled = :settled WHERE id = ANY(:ids)")
                              .bindparams(bindparam("ids", type_=ARRAY(BigInteger))),
                              {"settled": settled, "ids": list(instalment_ids)})
        return
    for start in range(0, len(instalment_ids), 500):
        await session.execute(update(ScheduledInstalment)
                              .where(ScheduledInstalment.id.in_(instalment_ids[start:start + 500]))
                              .values(settled=settled))


async def unsettle_returned(session: AsyncSession, payments: Sequence[Payment]) -> None:
    i = ScheduledInstalment
    for p in payments:
        await session.execute(update(i).where(i.agreement_id == p.agreement_id, i.due_date == p.due_date)
                              .values(settled=False))


async def run_credits(session: AsyncSession, run_id: str) -> list[Any]:
    """What the bank was asked to pay in a run (returned payments included: they were sent), as plain rows
    (bank details still sealed)."""
    p = Payment
    stmt = (select(p.id, p.agreement_id, p.sort_code, p.account_number, p.card_reference, p.payee_name,
                   p.reference, p.amount_pence, p.due_date).where(p.run_id == run_id, p.status != "deducted")
            .order_by(p.agreement_id, p.due_date))
    return list((await session.execute(stmt)).all())


async def run_payments(session: AsyncSession, run_id: str, *, ids: Sequence[str] | None = None,
                       lock: bool = False) -> Sequence[Payment]:
    stmt = select(Payment).where(Payment.run_id == run_id)
    if ids is not None:
        stmt = stmt.where(Payment.id.in_(ids))
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt.order_by(Payment.agreement_id, Payment.due_date))).scalars().all()


async def upcoming_instalments(session: AsyncSession, agreement_id: str, *,
                               after: date) -> list[ScheduledInstalment]:
    """Unpaid instalments due after ``after``, soonest first (what a deduction may come from)."""
    i = ScheduledInstalment
    paid = exists().where(Payment.agreement_id == i.agreement_id, Payment.due_date == i.due_date, LIVE)
    stmt = select(i).where(i.agreement_id == agreement_id, i.due_date > after, ~paid).order_by(i.due_date)
    return list((await session.execute(stmt)).scalars().all())


async def count(session: AsyncSession, model: Any, *where: Any) -> int:
    return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


# ------------------------------------------------------------------ bank details at rest
async def bank_details(session: AsyncSession, model: Any, fields: Sequence[str], *, after: str,
                       limit: int) -> list[Any]:
    """Up to ``limit`` rows of ``model`` (agreements or payments) after the id ``after``, with the agreement each
    belongs to and its sealed bank details, locked until the transaction ends (a payee changed meanwhile waits)."""
    agreement_id = model.id if model is Agreement else model.agreement_id
    stmt = (select(model.id, agreement_id.label("agreement_id"), *(getattr(model, f) for f in fields))
            .where(model.id > after).order_by(model.id).limit(limit).with_for_update())
    return list((await session.execute(stmt)).all())


async def set_bank_details(session: AsyncSession, model: Any, rows: list[dict]) -> None:
    """Update sealed bank details by primary key: ``[{"id": ..., "<field>": sealed value}, ...]``."""
    if rows:
        await session.execute(update(model), rows)


# ------------------------------------------------------------------ agreed budgets, decisions and notices
async def agreed_budget(session: AsyncSession, budget_id: str, *, lock: bool = False) -> AgreedBudget | None:
    stmt = select(AgreedBudget).where(AgreedBudget.budget_id == budget_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def agreed_stream(session: AsyncSession, budget_id: str, stream: str) -> AgreedStream | None:
    return await session.get(AgreedStream, (budget_id, stream))


async def agreed_streams(session: AsyncSession, budget_id: str) -> Sequence[AgreedStream]:
    stmt = select(AgreedStream).where(AgreedStream.budget_id == budget_id).order_by(AgreedStream.stream)
    return (await session.execute(stmt)).scalars().all()


async def agreements_of_budget(session: AsyncSession, budget_id: str, *, lock: bool = False) -> Sequence[Agreement]:
    stmt = select(Agreement).where(Agreement.budget_id == budget_id).order_by(Agreement.created_at, Agreement.id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalars().all()


async def agreements_of_child(session: AsyncSession, la: str, child_id: str) -> Sequence[Agreement]:
    stmt = (select(Agreement).where(Agreement.local_authority == la, Agreement.child_id == child_id)
            .order_by(Agreement.created_at, Agreement.id).with_for_update())
    return (await session.execute(stmt)).scalars().all()


async def direct_payment_decision(session: AsyncSession, la: str, child_id: str, *,
                                  lock: bool = False) -> DirectPaymentDecision | None:
    stmt = select(DirectPaymentDecision).where(DirectPaymentDecision.local_authority == la,
                                               DirectPaymentDecision.child_id == child_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def notices(session: AsyncSession, agreement_id: str) -> Sequence[Notice]:
    stmt = select(Notice).where(Notice.agreement_id == agreement_id).order_by(Notice.created_at, Notice.id)
    return (await session.execute(stmt)).scalars().all()


NOTICES_ORDER = ("created_at", "id")


async def notices_page(session: AsyncSession, agreement_id: str, *, limit: int,
                       cursor: str | None) -> Sequence[Notice]:
    """Oldest first, ``limit + 1`` rows (the extra one says there is a next page)."""
    stmt = select(Notice).where(Notice.agreement_id == agreement_id)
    stmt = keyset(stmt, [getattr(Notice, c) for c in NOTICES_ORDER], limit=limit, cursor=cursor)
    return (await session.execute(stmt)).scalars().all()


async def notice(session: AsyncSession, agreement_id: str, notice_id: str) -> Notice:
    stmt = select(Notice).where(Notice.id == notice_id, Notice.agreement_id == agreement_id).with_for_update()
    return found((await session.execute(stmt)).scalar_one_or_none(), "notice", notice_id)


async def due_notices(session: AsyncSession, *, today: date, limit: int) -> Sequence[Notice]:
    """Notices whose date has come and that are still to take effect: a suspension after its notice, a reduction
    whose reconsideration window closed without a request (BUD-10, PAY-08). Taken with SKIP LOCKED, so replicas
    running the job at once share the work."""
    stmt = (select(Notice).where(Notice.status == "issued", Notice.effective_from <= today,
                                 Notice.kind.in_(("suspension", "reduction")))
            .order_by(Notice.effective_from, Notice.id).limit(limit).with_for_update(skip_locked=True))
    return (await session.execute(stmt)).scalars().all()


async def agreement_by_id(session: AsyncSession, agreement_id: str) -> Agreement:
    stmt = select(Agreement).where(Agreement.id == agreement_id).with_for_update()
    return (await session.execute(stmt)).scalar_one()


# ------------------------------------------------------------------ finance totals (reconciliation)
def _before(column: Any, until: datetime | None) -> list[Any]:
    return [] if until is None else [column < until]


async def money_by_budget(session: AsyncSession, *, la: str, until: datetime | None) -> list[Any]:
    """Rows ``(budget_id, stream, measure, pence, count)`` of the LA's direct-payment money, one GROUP BY per
    measure in one statement: ``issued`` (payments sent to the bank, returned ones included), ``returned``
    (bank returns, as booked in this service's ledger), ``recovered`` (confirmed recoveries) and ``repaid`` (PAY-10
    repayments received). ``until``
    keeps what was recorded before it."""
    a, p, e, r = Agreement, Payment, LedgerEntry, Recovery
    keys = (a.budget_id, a.stream)
    issued = (select(*keys, literal("issued").label("measure"), func.sum(p.amount_pence).label("pence"),
                     func.count().label("n"))
              .join(a, a.id == p.agreement_id)
              .where(p.local_authority == la, p.status != "deducted", *_before(p.created_at, until))
              .group_by(*keys))
    returned = (select(*keys, literal("returned"), func.sum(e.amount_pence), func.count())
                .join(a, a.id == e.agreement_id)
                .where(e.local_authority == la, e.kind == "return", *_before(e.created_at, until))
                .group_by(*keys))
    recovered = (select(*keys, literal("recovered"), func.sum(r.amount_pence), func.count())
                 .join(a, a.id == r.agreement_id)
                 .where(r.local_authority == la, r.confirmed_at.is_not(None), *_before(r.confirmed_at, until))
                 .group_by(*keys))
    m = Repayment
    repaid = (select(*keys, literal("repaid"), func.sum(m.amount_pence), func.count())
              .join(a, a.id == m.agreement_id)
              .where(m.local_authority == la, m.status == "received", *_before(m.received_at, until))
              .group_by(*keys))
    return list((await session.execute(issued.union_all(returned, recovered, repaid))).all())


async def run_file_totals(session: AsyncSession, *, la: str, until: datetime | None) -> tuple[list[Any], list[Any]]:
    """The LA's runs as they recorded themselves ``(run_id, run_date, status, total_pence, payments_count)``, and
    what their bank files carry ``(run_id, pence, credits)``: every payment of the run sent to the bank (the same
    rows as ``run_credits``), grouped by run. Two statements, so a payment naming no known run still shows."""
    runs = (select(Run.id, Run.run_date, Run.status, Run.total_pence, Run.payments_count)
            .where(Run.local_authority == la, *_before(Run.created_at, until)).order_by(Run.run_date, Run.id))
    files = (select(Payment.run_id, func.sum(Payment.amount_pence), func.count())
             .where(Payment.local_authority == la, Payment.status != "deducted", *_before(Payment.created_at, until))
             .group_by(Payment.run_id))
    return list((await session.execute(runs)).all()), list((await session.execute(files)).all())


async def bank_file_submission(session: AsyncSession, run_id: str) -> BankFileSubmission | None:
    return await session.get(BankFileSubmission, run_id)


async def last_serial(session: AsyncSession, *, la: str, processing_day: date) -> int:
    """The highest serial of the LA's bank files for a processing day (0 if none)."""
    b = BankFileSubmission
    stmt = select(func.coalesce(func.max(b.serial), 0)).where(b.local_authority == la,
                                                              b.processing_day == processing_day)
    return int((await session.execute(stmt)).scalar_one())


async def run_stream_totals(session: AsyncSession, run_id: str) -> list[Any]:
    """Rows ``(stream, pence, count)`` of what the bank was asked to pay in a run (the bank file's credits),
    grouped by the agreements' stream (None for an agreement opened without one)."""
    p, a = Payment, Agreement
    stmt = (select(a.stream, func.sum(p.amount_pence), func.count())
            .join(a, a.id == p.agreement_id).where(p.run_id == run_id, p.status != "deducted")
            .group_by(a.stream).order_by(a.stream))
    return list((await session.execute(stmt)).all())


async def run_ledger_payments(session: AsyncSession, run_id: str) -> int:
    """The pence the run's payments posted in the payments ledger (its `payment` entries)."""
    e, p = LedgerEntry, Payment
    stmt = (select(func.coalesce(func.sum(e.amount_pence), 0)).join(p, p.id == e.payment_id)
            .where(p.run_id == run_id, e.kind == "payment"))
    return int((await session.execute(stmt)).scalar_one())


async def runs_between(session: AsyncSession, *, la: str, start: date, end: date) -> Sequence[Run]:
    """The LA's runs dated from ``start`` to ``end`` (both included), oldest first."""
    stmt = (select(Run).where(Run.local_authority == la, Run.run_date >= start, Run.run_date <= end)
            .order_by(Run.run_date, Run.created_at))
    return (await session.execute(stmt)).scalars().all()


# ------------------------------------------------------------------ PAY-10: overpaid or misused money, repayments
async def live_payments(session: AsyncSession, agreement_id: str) -> list[tuple[date, int]]:
    """(due date, amount) of every payment sent to the bank under the agreement and not returned."""
    stmt = (select(Payment.due_date, Payment.amount_pence)
            .where(Payment.agreement_id == agreement_id, Payment.status == "issued").order_by(Payment.due_date))
    return [(due, int(amount)) for due, amount in (await session.execute(stmt)).all()]


async def add_repayments(session: AsyncSession, rows: Sequence[Repayment]) -> None:
    session.add_all(rows)
    await session.flush()


async def repayments_of(session: AsyncSession, recovery_id: str) -> Sequence[Repayment]:
    stmt = select(Repayment).where(Repayment.recovery_id == recovery_id).order_by(Repayment.seq)
    return (await session.execute(stmt)).scalars().all()


async def repayment(session: AsyncSession, recovery_id: str, repayment_id: str) -> Repayment:
    stmt = select(Repayment).where(Repayment.recovery_id == recovery_id, Repayment.id == repayment_id)
    return found((await session.execute(stmt.with_for_update())).scalar_one_or_none(), "repayment", repayment_id)


async def deductions_due(session: AsyncSession, instalment_ids: Sequence[int]) -> Sequence[Repayment]:
    """The scheduled PAY-10 deductions from these instalments (a run paying them takes them), locked."""
    if not instalment_ids:
        return []
    stmt = (select(Repayment).where(Repayment.instalment_id.in_(list(instalment_ids)),
                                    Repayment.status == "scheduled")
            .order_by(Repayment.recovery_id, Repayment.seq).with_for_update())
    return (await session.execute(stmt)).scalars().all()


async def recoveries_by_ids(session: AsyncSession, ids: Collection[str]) -> dict[str, Recovery]:
    stmt = select(Recovery).where(Recovery.id.in_(list(ids))).with_for_update()
    return {r.id: r for r in (await session.execute(stmt)).scalars().all()}


async def agreements_by_ids(session: AsyncSession, ids: Collection[str]) -> dict[str, Agreement]:
    stmt = select(Agreement).where(Agreement.id.in_(list(ids)))
    return {a.id: a for a in (await session.execute(stmt)).scalars().all()}
