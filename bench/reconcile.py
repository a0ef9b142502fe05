"""Reconciliation benchmark (issue 15): ``sendpb reconcile`` for one LA holding N direct payments, on PostgreSQL.

.venv/bin/python bench/reconcile.py [--payments 100000] [--repeat 3]

Seeds, with COPY, books that agree: N payments in 10 runs over N/10 agreements and budgets (1% returned by the
bank, one confirmed recovery per ten budgets), the budget ledger that goes with them (agreements, payment and
recovery postings, releases from a block contract and some returns), and the contracts' transfers. Then prints
(1) the baseline: the same aggregation queries as raw SQL on asyncpg, the three databases read at once, and (2) the
reconciliation itself: the three finance-totals endpoints through the gateway (the embedded platform on
PostgreSQL, in process: no network), their JSON, and the comparison; the median of ``--repeat`` runs each, and
their ratio. Target: under 5 s for 100,000 payments. Uses databases of its own, dropped at the end. If PostgreSQL
is unreachable it says why and exits 0."""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from gateway.settings import GatewaySettings  # noqa: E402
from kit.settings import PlatformSettings  # noqa: E402
from kit.testing import cleanup, ensure_database, pg_url, postgres_reason  # noqa: E402
from sendpb import reconcile  # noqa: E402
from sendpb.runner import SERVICES, build_embedded  # noqa: E402

LA = "E06000060"
RUNS = 10
DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

BASELINE = {
    "payments": [
        """SELECT a.budget_id, a.stream, 'issued', sum(p.amount_pence), count(*) FROM payments p
           JOIN agreements a ON a.id = p.agreement_id WHERE p.local_authority = $1 AND p.status <> 'deducted'
           GROUP BY a.budget_id, a.stream
           UNION ALL
           SELECT a.budget_id, a.stream, 'returned', sum(e.amount_pence), count(*) FROM ledger_entries e
           JOIN agreements a ON a.id = e.agreement_id WHERE e.local_authority = $1 AND e.kind = 'return'
           GROUP BY a.budget_id, a.stream
           UNION ALL
           SELECT a.budget_id, a.stream, 'recovered', sum(r.amount_pence), count(*) FROM recoveries r
           JOIN agreements a ON a.id = r.agreement_id WHERE r.local_authority = $1 AND r.confirmed_at IS NOT NULL
           GROUP BY a.budget_id, a.stream""",
        "SELECT id, run_date, status, total_pence, payments_count FROM runs WHERE local_authority = $1",
        """SELECT run_id, sum(amount_pence), count(*) FROM payments
           WHERE local_authority = $1 AND status <> 'deducted' GROUP BY run_id"""],
    "budget": [
        """SELECT e.budget_id, e.stream,
                  sum(CASE WHEN t.kind = 'payment' AND e.account = 'spent' THEN e.amount_pence ELSE 0 END),
                  sum(CASE WHEN t.kind = 'recovery' AND e.account = 'spent' THEN e.amount_pence ELSE 0 END),
                  sum(CASE WHEN t.kind = 'release' AND e.account = 'released' THEN e.amount_pence ELSE 0 END),
                  sum(CASE WHEN t.kind = 'return' AND e.account = 'released' THEN e.amount_pence ELSE 0 END),
                  sum(CASE WHEN e.account = 'agreed' THEN e.amount_pence ELSE 0 END),
                  sum(CASE WHEN e.account = 'released' THEN e.amount_pence ELSE 0 END),
                  sum(CASE WHEN e.account = 'committed' THEN e.amount_pence ELSE 0 END),
                  sum(CASE WHEN e.account = 'spent' THEN e.amount_pence ELSE 0 END),
                  sum(CASE WHEN e.account = 'available' THEN e.amount_pence ELSE 0 END)
           FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
           JOIN budgets b ON b.id = e.budget_id
           WHERE b.local_authority = $1 AND e.account NOT IN ('indicative', 'indicative_offset')
           GROUP BY e.budget_id, e.stream ORDER BY e.budget_id, e.stream"""],
    "contracts": [
        """SELECT budget_id, stream, sum(release_pence), count(*),
                  sum(CASE WHEN status <> 'active' THEN release_pence ELSE 0 END),
                  count(CASE WHEN status <> 'active' THEN 1 END)
           FROM transfer_requests WHERE local_authority = $1 AND decision = 'approved'
           GROUP BY budget_id, stream"""],
}


class Books:
    """The rows of books that agree, per database and table."""

    def __init__(self, n: int) -> None:
        self.rows: dict[str, dict[str, tuple[tuple[str, ...], list[tuple]]]] = {
            "payments": {}, "budget": {}, "contracts": {}}
        self._txn = 0
        self._entry = 0
        budgets = max(1, n // RUNS)
        budget_ids = [str(uuid.uuid4()) for _ in range(budgets)]
        agreement_ids = [str(uuid.uuid4()) for _ in range(budgets)]
        run_ids = [str(uuid.uuid4()) for _ in range(RUNS)]
        pairs = list(zip(agreement_ids, budget_ids, strict=True))
        self.add("budget", "budgets", ("id", "local_authority", "child_id", "plan_reference", "period_start",
                                       "period_end", "status", "opened_from", "created_at", "agreed_at"),
                 [(b, LA, f"C-{k}", f"EHCP-{k}", DAY, DAY + timedelta(days=364), "agreed", "api", NOW, NOW)
                  for k, b in enumerate(budget_ids)])
        self.add("payments", "agreements", (
            "id", "local_authority", "budget_id", "child_id", "stream", "annual_amount_pence", "frequency",
            "start_date", "end_date", "purpose", "status", "opened_from", "monthly_fee_pence",
            "close_relative_same_household", "final_audit_due", "created_at"),
            [(a, LA, b, f"C-{k}", "social_care", 260_000, "four_weekly", DAY, DAY + timedelta(days=364), "bench",
              "active", "event", 0, False, False, NOW) for k, (a, b) in enumerate(pairs)])
        txns, entries = [], []
        for b in budget_ids:
            self._posting(txns, entries, b, "agreement", None, "social_care", "available", "agreed", 260_000)
            self._posting(txns, entries, b, "agreement", None, "health", "available", "agreed", 300_000)
        payments, ledger, totals = [], [], dict.fromkeys(run_ids, 0)
        for r, run_id in enumerate(run_ids):
            due = DAY + timedelta(days=28 * r)
            for k, (a, b) in enumerate(pairs):
                pid, amount = str(uuid.uuid4()), 20_000 + k % 7
                returned = (k + r) % 100 == 0
                payments.append((pid, run_id, a, LA, due, amount, "returned" if returned else "issued", "bench",
                                 "Payee", "sealed", "sealed", None, f"DP{k:08d}", due, NOW))
                ledger.append((a, LA, "payment", f"payee:{a}", f"la:{LA}:direct_payments", amount, pid, None,
                               "bench", due, NOW))
                totals[run_id] += amount
                if returned:  # the budget books no payment that came back (books that agree)
                    ledger.append((a, LA, "return", f"la:{LA}:direct_payments", f"payee:{a}", amount, pid, None,
                                   "returned", due, NOW))
                else:
                    self._posting(txns, entries, b, "payment", f"payment:{pid}", "social_care", "spent", "available",
                                  amount)
        recoveries = []
        for k in range(0, budgets, 10):
            rid = str(uuid.uuid4())
            recoveries.append((rid, agreement_ids[k], str(uuid.uuid4()), LA, 5_000, "[]", "the parent", "invoice",
                               "confirmed", DAY, DAY + timedelta(days=28), DAY + timedelta(days=56), NOW, NOW))
            ledger.append((agreement_ids[k], LA, "recovery", f"la:{LA}:direct_payments", f"payee:{agreement_ids[k]}",
                           5_000, None, rid, "recovered", DAY, NOW))
            self._posting(txns, entries, budget_ids[k], "recovery", f"recovery:{rid}", "social_care", "spent",
                          "available", -5_000)
        contract_id, transfers = str(uuid.uuid4()), []
        for k in range(0, budgets, 5):
            tid, withdrawn = str(uuid.uuid4()), k % 50 == 0
            transfers.append((tid, contract_id, LA, budget_ids[k], f"C-{k}", "health", 20, "family_provision",
                              4_000, "{}", "approved", 80_000, 80_000, 80_000, "[]", "[]", "{}",
                              "withdrawn" if withdrawn else "active", "bench", NOW, NOW if withdrawn else None))
            self._posting(txns, entries, budget_ids[k], "release", f"transfer:{tid}:released", "health", "available",
                          "released", 80_000)
            if withdrawn:
                self._posting(txns, entries, budget_ids[k], "return", f"transfer:{tid}:returned", "health",
                              "available", "released", -80_000)
        self.add("budget", "ledger_transactions", ("id", "budget_id", "kind", "memo", "reference", "created_at"),
                 txns)
        self.add("budget", "ledger_entries", ("id", "transaction_id", "budget_id", "stream", "account",
                                              "amount_pence"), entries)
        self.add("payments", "runs", ("id", "local_authority", "run_date", "status", "due_count", "settled_count",
                                      "payments_count", "total_pence", "requested_by", "created_at", "updated_at"),
                 [(run_id, LA, DAY + timedelta(days=28 * r), "completed", budgets, budgets, budgets, totals[run_id],
                   "bench", NOW, NOW) for r, run_id in enumerate(run_ids)])
        self.add("payments", "payments", ("id", "run_id", "agreement_id", "local_authority", "due_date",
                                          "amount_pence", "status", "basis", "payee_name", "sort_code",
                                          "account_number", "card_reference", "reference", "issued_on",
                                          "created_at"), payments)
        self.add("payments", "ledger_entries", ("agreement_id", "local_authority", "kind", "debit_account",
                                                "credit_account", "amount_pence", "payment_id", "recovery_id",
                                                "memo", "entry_date", "created_at"), ledger)
        self.add("payments", "recoveries", ("id", "agreement_id", "audit_id", "local_authority", "amount_pence",
                                            "reasons", "who_must_repay", "method", "status", "notice_issued_on",
                                            "challenge_by", "repay_by", "confirmed_at", "created_at"), recoveries)
        self.add("contracts", "contracts", (
            "id", "local_authority", "provider", "service", "stream", "annual_value_pence", "contracted_units",
            "unit", "start_date", "end_date", "renewal_date", "max_release_percent", "fixed_cost_percent",
            "separable", "funders", "released_units", "released_pence", "created_by", "created_at"),
            [(contract_id, LA, "Therapies Ltd", "integrated therapies", "health", 10**12, 10**8, "session", DAY,
              DAY + timedelta(days=364), DAY + timedelta(days=300), 100, 30, True, "{}", 0, 0, "bench", NOW)])
        self.add("contracts", "transfer_requests", (
            "id", "contract_id", "local_authority", "budget_id", "child_id", "stream", "units", "route",
            "proposed_unit_price_pence", "evidence", "decision", "release_pence", "block_cost_pence",
            "proposed_cost_pence", "reasons", "missing_evidence", "public_purse", "status", "requested_by",
            "created_at", "withdrawn_at"), transfers)
        self.payments = len(payments)

    def add(self, db: str, table: str, columns: tuple[str, ...], records: list[tuple]) -> None:
        self.rows[db][table] = (columns, records)

    def _posting(self, txns, entries, budget_id, kind, reference, stream, debit, credit, amount) -> None:
        self._txn += 1
        txns.append((self._txn, budget_id, kind, "bench", reference, NOW))
        for account, signed in ((debit, amount), (credit, -amount)):
            self._entry += 1
            entries.append((self._entry, self._txn, budget_id, stream, account, signed))


async def seed(urls: dict[str, str], books: Books) -> None:
    for db, tables in books.rows.items():
        conn = await asyncpg.connect(urls[db])
        try:
            for table, (columns, records) in tables.items():
                await conn.copy_records_to_table(table, records=records, columns=columns)
            await conn.execute("ANALYZE")
        finally:
            await conn.close()


async def baseline(urls: dict[str, str]) -> float:
    """The aggregation queries alone, as raw SQL on asyncpg, the three databases at once (connections open)."""
    conns = {db: await asyncpg.connect(urls[db]) for db in BASELINE}
    try:
        async def one(db: str) -> int:
            return sum([len(await conns[db].fetch(sql, LA)) for sql in BASELINE[db]])

        started = time.perf_counter()
        await asyncio.gather(*(one(db) for db in BASELINE))
        return time.perf_counter() - started
    finally:
        for conn in conns.values():
            await conn.close()


async def main(n: int, repeat: int) -> int:
    reason = await postgres_reason()
    if reason:
        print(f"reconciliation benchmark skipped: {reason}")
        return 0
    prefix = f"sendpb_bench_reconcile_{uuid.uuid4().hex[:10]}"
    for component in SERVICES:
        await ensure_database(f"{prefix}_{component.name}")
    template = pg_url(f"{prefix}_{{service}}")
    urls = {db: pg_url(f"{prefix}_{db}").replace("postgresql+asyncpg://", "postgresql://") for db in BASELINE}
    platform = PlatformSettings(database_url_template=template, log_json=False, relay_poll_seconds=1.0,
                                log_level="WARNING")
    embedded = build_embedded(platform, GatewaySettings(rate_limit_per_second=10_000, rate_limit_burst=10_000))
    try:
        async with embedded.gateway.control.router.lifespan_context(embedded.gateway.control):
            t = time.perf_counter()
            books = Books(n)
            await seed(urls, books)
            print(f"seeded {books.payments:,} payments in {RUNS} runs over {n // RUNS:,} budgets, with their budget "
                  f"ledger and contract releases, in {time.perf_counter() - t:.1f}s")
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=embedded.gateway),
                                         base_url="http://gateway", timeout=120) as client:
                headers = await reconcile.token(client, "dev-finance", "dev-secret")
                await baseline(urls)  # warm both, once
                warm = await reconcile.reconcile(client, headers, LA, settle_seconds=0)
                assert warm.clean, "\n".join(warm.report())
                raw = [await baseline(urls) for _ in range(repeat)]
                ours, outcome = [], warm
                for _ in range(repeat):
                    started = time.perf_counter()
                    outcome = await reconcile.reconcile(client, headers, LA, settle_seconds=0)
                    ours.append(time.perf_counter() - started)
        raw_s, ours_s = statistics.median(raw), statistics.median(ours)
        print(f"baseline, the aggregation queries alone (raw SQL, asyncpg, 3 databases at once): {raw_s:.2f}s")
        print(f"sendpb reconcile ({json.dumps(outcome.counted)}; through the gateway, JSON, comparison): "
              f"{ours_s:.2f}s  clean={outcome.clean}")
        print(f"ratio reconcile / baseline: {ours_s / raw_s:.2f}x; target for {books.payments:,} payments: < 5 s "
              f"({'met' if ours_s < 5 else 'NOT met'}); median of {repeat}")
        return 0 if outcome.clean and ours_s < 5 else 1
    finally:
        await cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.payments, args.repeat)))
