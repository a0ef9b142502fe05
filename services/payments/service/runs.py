"""Payment runs (PAY-04), bank returns and the bank files of a run."""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.auth import Caller
from kit.crypto import Keyring
from kit.db import Database
from kit.errors import InvalidInput
from kit.events import utcnow
from kit.jobs import Job
from kit.outages import wait_out
from kit.outbox import add_event
from services.payments import events, repository
from services.payments.domain import runs as rules
from services.payments.domain.bankfile import Credit
from services.payments.models import LedgerEntry, Run
from services.payments.repository import LedgerRow, OutboxRow, PaymentRow
from services.payments.service import repayments, sealed
from services.payments.settings import PaymentsSettings

log = logging.getLogger("sendpb.payments.runs")
# The process carrying out a run holds its lease under this name (host, pid, and a random part: a pid comes back).
OWNER = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
# Fault injection for tests: awaited after a chunk is written, before it commits (a crash half way).
after_chunk: Callable[[Run], Awaitable[None]] | None = None


def destination(row, settings: PaymentsSettings) -> tuple[str, str, str | None]:
    """Where an instalment goes, sealed: the payee's account (the agreement's sealed values, copied as they are:
    a run never opens bank details), or the card provider's account with the payee's card reference."""
    if row.account_kind == "prepaid_card":
        sort_code, account = (sealed.seal(settings.keyring, row.agreement_id, field, value) for field, value in
                              (("sort_code", settings.prepaid_card_sort_code),
                               ("account_number", settings.prepaid_card_account_number)))
        return sort_code, account, row.card_reference
    return row.sort_code, row.account_number, None


def _rows_for(chunk: Sequence, *, run: Run, settings: PaymentsSettings) -> tuple[list[PaymentRow], list[LedgerRow],
                                                                              list[OutboxRow], int, int]:
    """The payments, ledger entries and ``payment_issued`` events of one chunk of due instalments, as rows to write
    in bulk, and how many payments go to the bank and their total."""
    now, la = utcnow(), run.local_authority
    payments, ledger, outbox = [], [], []
    count = total = 0
    ids = events.new_ids(2 * len(chunk))
    la_account = rules.la_account(la)
    bodies = events.IssuedBodies(la=la, run_id=run.id, issued_on=run.run_date, occurred_at=now)
    for n, row in enumerate(chunk):
        payment_id, event_id = ids[2 * n], ids[2 * n + 1]
        amount = rules.payable(row.amount_pence, row.deducted_pence)
        basis = rules.payment_basis(row.basis, row.deducted_pence)
        sort_code, account, card = destination(row, settings)
        payments.append(PaymentRow(
            id=payment_id, run_id=run.id, agreement_id=row.agreement_id, local_authority=la, due_date=row.due_date,
            amount_pence=amount, status="issued" if amount > 0 else "deducted", basis=basis,
            payee_name=row.payee_name, sort_code=sort_code, account_number=account, card_reference=card,
            reference=rules.reference(row.agreement_id, row.due_date), issued_on=run.run_date, created_at=now))
        if amount == 0:
            continue  # fully recovered by deduction: settled, nothing to send to the bank
        count, total = count + 1, total + amount
        ledger.append(LedgerRow(
            agreement_id=row.agreement_id, local_authority=la, kind="payment",
            debit_account=rules.payee_account(row.agreement_id), credit_account=la_account, amount_pence=amount,
            payment_id=payment_id, memo=basis, entry_date=run.run_date, created_at=now))
        body = bodies.body(event_id=event_id, payment_id=payment_id, agreement_id=row.agreement_id,
                           budget_id=row.budget_id, child_id=row.child_id, stream=row.stream, amount_pence=amount,
                           due_date=row.due_date)
        outbox.append(OutboxRow(event_id, events.PAYMENT_ISSUED, body, now))
    return payments, ledger, outbox, count, total


def _lease(settings: PaymentsSettings) -> timedelta:
    return timedelta(seconds=settings.run_lease_seconds)


async def start(session: AsyncSession, *, la: str, run_date: date, requested_by: str,
                settings: PaymentsSettings, owner: str = OWNER) -> Run:
    """Record a run to carry out (in the request's transaction, with its Idempotency-Key), its lease held by
    ``owner``, the process about to carry it out."""
    latest = clock.today() + timedelta(days=settings.run_days_ahead)
    if run_date > latest:
        raise InvalidInput.field("run_date", f"at most {settings.run_days_ahead} days ahead ({latest.isoformat()}): "
                                 "instalments are paid when due, not months before", rule="PAY-04")
    now = utcnow()
    run = Run(id=str(uuid.uuid4()), local_authority=la, run_date=run_date, status="running", due_count=0,
              settled_count=0, payments_count=0, total_pence=0, requested_by=requested_by, created_at=now,
              updated_at=now, lease_owner=owner, lease_expires_at=now + _lease(settings))
    session.add(run)
    await session.flush()
    return run


_detached: set[asyncio.Task] = set()


async def detach(work: Coroutine) -> None:
    """Run ``work`` on its own task, kept referenced until it ends."""
    task = asyncio.create_task(work)
    _detached.add(task)
    task.add_done_callback(_detached.discard)


_carrying: set[str] = set()  # the runs this process is carrying out: its own job leaves them to it


async def carry_out(db: Database, run_id: str, settings: PaymentsSettings, *, owner: str = OWNER) -> None:
    """PAY-04: pay every instalment due up to the run date and unpaid, once. Chunk by chunk, each chunk one
    transaction holding the LA's run lock: it picks up to ``run_chunk_size`` unpaid instalments, writes their
    payments, ledger entries and payment_issued events set-based, settles them, updates the run's progress and
    renews ``owner``'s lease on the run. The chunks walk the due instalments in (due date, id) order; at the end
    one more look from the start pays anything that became payable behind the run while it ran (a bank return, a
    resumed agreement). A run stopped at any point has paid each instalment of its committed chunks exactly once.
    While the database is away the run waits for it and goes on; other failures are recorded on the run, never
    lost. A process that dies leaves its lease to run out: then any replica takes the run over
    (``take_over_runs``) and carries it on the same way, from the first instalment still unpaid; a process that
    finds its lease taken over (it stalled past it) stops."""
    _carrying.add(run_id)
    try:
        after = None
        while True:
            after = await wait_out(partial(_pay_chunk, db, run_id, settings, after, owner), **_patience(run_id))
            if after is None:
                break
    except Exception as exc:  # noqa: BLE001 - recorded on the run for the finance team, and logged
        log.exception("payment run %s failed", run_id)
        await wait_out(partial(_record_failure, db, run_id, owner, exc), **_patience(run_id))
    finally:
        _carrying.discard(run_id)


async def take_over_runs(db: Database, settings: PaymentsSettings, *, owner: str = OWNER) -> int:
    """The job ``take-over-runs`` of every replica (kit.jobs): a run still running whose lease ran out lost its
    process. Take its lease (of replicas looking at once, one wins) and carry it on from where it stopped: its
    committed chunks are settled, so nothing is paid twice (PAY-04). How many runs it took over."""
    now = utcnow()
    async with db.transaction(notify=False) as session:
        taken = await repository.claim_expired_runs(session, now=now, owner=owner, until=now + _lease(settings),
                                                    passing_over=_carrying)
    for run_id in taken:
        log.warning("payment run %s: its process stopped renewing its lease; %s carries it on", run_id, owner)
        await detach(carry_out(db, run_id, settings, owner=owner))
    return len(taken)


def takeover_job(settings: PaymentsSettings) -> Job:
    return Job("take-over-runs", take_over_runs, every_seconds=settings.run_takeover_every_seconds, at_start=True)


def _patience(run_id: str) -> dict:
    """While the database is away the run waits for it (kit.outages) and goes on: a chunk that did not commit is
    picked up again, so a restart delays a run instead of failing it."""
    return {"first_delay": 0.1, "patience": 300.0, "where": f"payment run {run_id}"}


async def _record_failure(db: Database, run_id: str, owner: str, exc: Exception) -> None:
    refused = isinstance(exc, IntegrityError)
    async with db.transaction() as session:
        run = await repository.run_for_update(session, run_id)
        if not _holds(run, owner):
            return  # another process took the run over and carries it on: the failure was this one's alone
        run.status, run.updated_at, run.lease_expires_at = "failed", utcnow(), None
        run.error = ("PAY-04: another run paid some of these instalments at the same time; post a new run"
                     if refused else f"{type(exc).__name__}; post a new run to pay what is still unpaid")


FROM_THE_START = (date.min, -1)  # a key before every instalment


def _holds(run: Run, owner: str) -> bool:
    return run.status == "running" and run.lease_owner == owner


async def _pay_chunk(db: Database, run_id: str, settings: PaymentsSettings, after: tuple[date, int] | None,
                     owner: str) -> tuple[date, int] | None:
    """One chunk of a run, from the (due date, id) key ``after``; returns the key it reached, or None once
    nothing is left for ``owner`` to do (the run is then completed, or another process took it over)."""
    async with db.transaction() as session:
        run = await repository.run_for_update(session, run_id)
        if not _holds(run, owner):
            log.warning("payment run %s is %s, its lease held by %s: %s stops carrying it out", run_id,
                        run.status, run.lease_owner, owner)
            return None
        await repository.serialise_runs(session, run.local_authority)
        due = await repository.due_instalments(session, la=run.local_authority, run_date=run.run_date,
                                               limit=settings.run_chunk_size, after=after)
        now = utcnow()
        run.updated_at, run.lease_expires_at = now, now + _lease(settings)
        if not due:
            if after is not None and after != FROM_THE_START:
                return FROM_THE_START  # the last look, which also lets the database drop settled index entries
            run.status, run.completed_at, run.lease_expires_at = "completed", now, None
            return None
        if not run.due_count:  # counted once there is something to pay: a run that finds nothing stays instant
            run.due_count = await repository.count_due(session, la=run.local_authority, run_date=run.run_date)
        payments, ledger, outbox, count, total = _rows_for(due, run=run, settings=settings)
        await repository.write_payments(session, payments, ledger, outbox)
        await repository.settle(session, [row.id for row in due])
        deducted = {row.id: payment.id for row, payment in zip(due, payments, strict=True) if row.deducted_pence}
        if deducted:  # PAY-10: the repayments of a plan taken from these instalments are received now
            await repayments.received_by_run(session, list(deducted), deducted, run.run_date)
        run.payments_count, run.total_pence = run.payments_count + count, run.total_pence + total
        run.settled_count += len(due)
        if after_chunk is not None:
            await after_chunk(run)
    return due[-1].due_date, due[-1].id


@dataclass(frozen=True)
class Returned:
    """What a report of bank returns changed: the payments it returned, those returned already, their total."""

    run_id: str
    returned: list[str]
    already_returned: list[str]
    returned_pence: int


async def record_returns(session: AsyncSession, run: Run, items: Sequence) -> Returned:
    """Payments the bank returned unpaid are marked returned, reversed in the ledger, announced with
    ``payments.payment_returned.v1`` (the budget books the money back from spent) and, having no live payment any
    more, are paid again by the next run (PAY-04)."""
    ids = [item.payment_id for item in items]
    found = {p.id: p for p in await repository.run_payments(session, run.id, ids=ids, lock=True)}
    for n, item in enumerate(items):
        if item.payment_id not in found or found[item.payment_id].status == "deducted":
            raise InvalidInput.field(f"items[{n}].payment_id", "not a payment sent to the bank in this run")
    returned, already, now = [], [], utcnow()
    for item in items:
        payment = found[item.payment_id]
        if payment.status == "returned":
            already.append(payment.id)
            continue
        payment.status, payment.return_reason = "returned", item.reason
        returned.append(payment)
        session.add(LedgerEntry(
            agreement_id=payment.agreement_id, local_authority=payment.local_authority, kind="return",
            debit_account=rules.la_account(payment.local_authority),
            credit_account=rules.payee_account(payment.agreement_id),
            amount_pence=payment.amount_pence, payment_id=payment.id,
            memo=f"returned by the bank: {item.reason}", entry_date=now.date(), created_at=now))
        agreement = await repository.agreement_by_key(session, payment.agreement_id)
        await add_event(session, events.payment_returned(payment, agreement, returned_on=now.date(),
                                                         reason=item.reason))
    await repository.unsettle_returned(session, returned)
    await session.flush()
    return Returned(run.id, [p.id for p in returned], already, sum(p.amount_pence for p in returned))


def credits(rows: Sequence, keyring: Keyring) -> list[Credit]:
    """The run's payments as credits of the bank file, bank details opened: the account credited and the
    reference, which for a prepaid card is the card's (BACS keeps 18 characters)."""
    def opened(row, field: str) -> str | None:
        return sealed.unseal(keyring, row.agreement_id, field, getattr(row, field))

    return [Credit(payment_id=row.id, agreement_id=row.agreement_id, sort_code=opened(row, "sort_code"),
                   account_number=opened(row, "account_number"), payee_name=row.payee_name,
                   reference=(opened(row, "card_reference") or row.reference)[:18],
                   amount_pence=row.amount_pence, due_date=row.due_date) for row in rows]


async def find(session: AsyncSession, caller: Caller, run_id: str) -> Run:
    """The run, if it is one of the caller's LAs' (404 otherwise)."""
    return await repository.run(session, caller, run_id)
