"""Payment-run benchmark (issue 6): N active direct-payment agreements, one instalment due each, on
PostgreSQL.

.venv/bin/python bench/payment_run.py [--agreements 100000]

Prints (1) asyncpg ``copy_records_to_table`` of the same payment, ledger and outbox rows into copies of the
tables (the floor: writing the data and nothing else), (2) the payment run itself (find what is due and
unpaid, write payments + ledger entries + outbox events, commit), their ratio (target: within 4x), (3) the
BACS file of the run, and (4) a re-run for the same date that finds nothing to pay (target: under a
second). Uses a database of its own, dropped at the end. If PostgreSQL is unreachable it says why and exits
0."""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from kit.db import Database  # noqa: E402
from kit.events import utcnow  # noqa: E402
from kit.migrations import upgrade  # noqa: E402
from kit.settings import PlatformSettings  # noqa: E402
from kit.testing import cleanup, ensure_database, postgres_reason  # noqa: E402
from services.payments import domain, repository  # noqa: E402
from services.payments.app import SPEC  # noqa: E402
from services.payments.domain import bankfile  # noqa: E402
from services.payments.service import runs, sealed  # noqa: E402
from services.payments.settings import PaymentsSettings  # noqa: E402

LA = "E06000060"
RUN_DATE = date.today()  # a run may not be dated far ahead (PAY-04), so run "today"
AGREEMENT_COLUMNS = ("id", "local_authority", "budget_id", "child_id", "stream", "annual_amount_pence",
                     "frequency",
                     "start_date", "end_date", "purpose", "status", "opened_from", "signed_on", "signed_by",
                     "payee_role", "payee_name", "account_kind", "sort_code", "account_number",
                     "monthly_fee_pence",
                     "close_relative_same_household", "final_audit_due", "next_audit_due", "created_at")
INSTALMENT_COLUMNS = ("agreement_id", "seq", "due_date", "amount_pence", "deducted_pence", "basis", "settled")


async def seed(db: Database, n: int, keyring) -> None:
    """N signed agreements started three days before the run: one instalment due each, 13 in the year."""
    start, now = RUN_DATE - timedelta(days=3), utcnow()
    end = domain.add_months(start, 12) - timedelta(days=1)  # one full plan year
    agreements, instalments = [], []
    for k in range(n):
        ident, annual = str(uuid.uuid4()), 260000 + k % 500 * 13
        agreements.append((ident, LA, str(uuid.uuid4()), f"C-{k}", "social_care", annual, "four_weekly",
                           start, end, "bench", "active", "manual", start, "bench", "parent",
                           f"Payee {k}", "bank_account",
                           sealed.seal(keyring, ident, "sort_code", f"{k % 999999:06d}"),
                           sealed.seal(keyring, ident, "account_number", f"{k:08d}"), 0, False, False,
                           domain.first_audit_due(start), now))
        for i in domain.plan_schedule(annual, "four_weekly", start, end):
            instalments.append((ident, i.seq, i.due_date, i.amount_pence, 0, i.basis, False))
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        await raw.copy_records_to_table("agreements", records=agreements, columns=AGREEMENT_COLUMNS)
        await raw.copy_records_to_table("instalments", records=instalments, columns=INSTALMENT_COLUMNS)
        await raw.execute("ANALYZE")


async def copy_baseline(db: Database, settings: PaymentsSettings) -> tuple[float, int]:
    """COPY the very rows a run would write into copies of the tables (with their indexes), timed alone."""
    async with db.transaction() as session:
        due = await repository.due_instalments(session, la=LA, run_date=RUN_DATE, limit=10**9)
        fake = type("R", (), {"id": "baseline", "local_authority": LA, "run_date": RUN_DATE})()
        payments, ledger, outbox, _, _ = runs._rows_for(due, run=fake, settings=settings)
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        for table in ("payments", "ledger_entries", "outbox"):
            await raw.execute(f"CREATE TABLE bench_{table} (LIKE {table} INCLUDING ALL)")
        started = time.perf_counter()
        async with raw.transaction():
            await raw.copy_records_to_table("bench_payments", records=payments,
                                            columns=repository.PAYMENT_COLUMNS)
            await raw.copy_records_to_table("bench_ledger_entries", records=ledger,
                                            columns=repository.LEDGER_COLUMNS)
            await raw.copy_records_to_table("bench_outbox", records=outbox, columns=repository.OUTBOX_COLUMNS)
        elapsed = time.perf_counter() - started
    return elapsed, len(payments) + len(ledger) + len(outbox)


async def timed_run(db: Database, settings: PaymentsSettings):
    """What POST /v1/payments/runs does (record the run, then carry it out chunk by chunk), timed whole."""
    started = time.perf_counter()
    async with db.transaction() as session:
        run = await runs.start(session, la=LA, run_date=RUN_DATE, requested_by="bench", settings=settings)
    await runs.carry_out(db, run.id, settings)
    elapsed = time.perf_counter() - started
    async with db.sessions() as session:
        run = await repository.run_for_update(session, run.id)
    assert run.status == "completed", run.error
    return elapsed, run


async def main(n: int) -> int:
    reason = await postgres_reason()
    if reason:
        print(f"payment-run benchmark skipped: {reason}")
        return 0
    url = await ensure_database(f"sendpb_bench_payments_{os.getpid()}")
    db = Database(url)
    settings = PaymentsSettings().bound_to(PlatformSettings())
    try:
        await upgrade(db.engine, SPEC.migrations)
        t = time.perf_counter()
        await seed(db, n, settings.keyring)
        print(f"seeded {n:,} active agreements ({n * 13:,} instalments) in {time.perf_counter() - t:.1f}s")
        copy_s, rows = await copy_baseline(db, settings)
        run_s, run = await timed_run(db, settings)
        t = time.perf_counter()
        async with db.sessions() as session:
            credits = runs.credits(await repository.run_credits(session, run.id), settings.keyring)
        file = bankfile.bacs18(credits, origin=runs.originator(settings), processing_date=RUN_DATE)
        file_s = time.perf_counter() - t
        again_s, again = await timed_run(db, settings)
        async with db.sessions() as session:
            events = (await session.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
        print(f"asyncpg COPY of the same {rows:,} rows (payments, ledger, outbox): {copy_s:.2f}s")
        print(f"payment run: {run.payments_count:,} payments, £{run.total_pence / 100:,.2f}, "
              f"{events:,} events: {run_s:.2f}s  ({run.payments_count / run_s:,.0f} payments/s)")
        print(f"ratio run / COPY: {run_s / copy_s:.2f}x (target <= 4x)")
        print(f"BACS18 file: {len(file.splitlines()):,} records, {len(file) / 1e6:.1f} MB in {file_s:.2f}s")
        print(f"re-run for the same date: {again.payments_count} payments in {again_s * 1000:.0f} ms "
              "(target < 1 s)")
        ok = run.payments_count == n and again.payments_count == 0
        return 0 if ok else 1
    finally:
        await db.dispose()
        await cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agreements", type=int, default=100_000)
    sys.exit(asyncio.run(main(parser.parse_args().agreements)))
