"""``sendpb reconcile``: do the books of the services agree? Read through each service's finance totals (the
gateway's ``/v1/<service>/finance/totals``), compare what should be equal, and report each difference with both
sides. Events carry money between services asynchronously, so a difference counts only if it persists over a
settle period (read again a few times).

``compare`` is pure: from the three services' totals to the differences. ``settle`` reads and compares until the
differences that persist are known; ``fetch`` reads the totals over HTTP; ``run`` is the command."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from kit.money import pounds

# The checks, in the order they are reported: name → (rule, what is compared).
CHECKS = {
    "payments": ("BUD-08", "payments issued less bank returns = payment postings in the budget ledger (PAY-04)"),
    "recoveries": ("PAY-07", "confirmed recoveries + repayments received (PAY-10) = recovery postings in the budget "
                             "ledger"),
    "releases": ("CON-04", "contract releases less returns = released postings in the budget ledger"),
    "bank_files": ("PAY-04", "each run's bank file = what the run recorded sending; all files = payments sent"),
    "available": ("BUD-08", "no stream's available money below zero (agreed + released − committed − spent)"),
}


@dataclass(frozen=True)
class Side:
    label: str
    pence: int


@dataclass(frozen=True)
class Difference:
    check: str
    subject: str      # "budget <id> social_care", "run <id>", "all runs"
    left: Side
    right: Side
    detail: str = ""

    @property
    def rule(self) -> str:
        return CHECKS[self.check][0]

    @property
    def key(self) -> tuple[str, str]:
        return self.check, self.subject

    def describe(self) -> str:
        text = (f"[{self.rule} {self.check}] {self.subject}: {self.left.label} {pounds(self.left.pence)} ≠ "
                f"{self.right.label} {pounds(self.right.pence)} (off by {pounds(self.left.pence - self.right.pence)})")
        return f"{text}; {self.detail}" if self.detail else text


@dataclass(frozen=True)
class Totals:
    """The three services' finance totals for one LA, as their endpoints return them."""

    payments: dict[str, Any]
    budgets: dict[str, Any]
    contracts: dict[str, Any]



def _subject(budget_id: str | None, stream: str | None) -> str:
    budget = f"budget {budget_id}" if budget_id else "no budget"
    return f"{budget} {stream}" if stream else f"{budget} (all streams)"


def _by_key(rows: Iterable[dict], value: Callable[[dict], int], whole: set[str | None]) -> dict[tuple, int]:
    """Sum ``value`` per (budget, stream); for the budgets in ``whole`` per budget only (stream None)."""
    sums: dict[tuple, int] = {}
    for row in rows:
        key = (row["budget_id"], None if row["budget_id"] in whole else row["stream"])
        sums[key] = sums.get(key, 0) + value(row)
    return sums


def _two_sided(check: str, left: tuple[str, dict[tuple, int]], right: tuple[str, dict[tuple, int]]
               ) -> list[Difference]:
    (left_label, lefts), (right_label, rights) = left, right
    return [Difference(check, _subject(*key), Side(left_label, lefts.get(key, 0)),
                       Side(right_label, rights.get(key, 0)))
            for key in sorted(set(lefts) | set(rights), key=lambda k: (k[0] or "", k[1] or ""))
            if lefts.get(key, 0) != rights.get(key, 0)]


def compare(totals: Totals) -> list[Difference]:
    """Every difference between the services' totals, per budget and stream (or per run)."""
    payments, ledger = totals.payments["rows"], totals.budgets["rows"]
    releases = totals.contracts["rows"]
    # A payment without a stream is split across the budget's direct-payment streams by the budget service, so
    # such a budget is compared as a whole.
    unsplit = {r["budget_id"] for r in payments if r["stream"] is None}
    differences = _two_sided(
        "payments",
        ("payments: issued − returned", _by_key(payments, lambda r: r["issued_pence"] - r["returned_pence"], unsplit)),
        ("budget ledger: payment postings", _by_key(ledger, lambda r: r["payments_pence"], unsplit)))
    differences += _two_sided(
        "recoveries",
        ("payments: confirmed recoveries + repayments",
         _by_key(payments, lambda r: r["recovered_pence"] + r.get("repaid_pence", 0), unsplit)),
        ("budget ledger: recovery postings", _by_key(ledger, lambda r: r["recoveries_pence"], unsplit)))
    differences += _two_sided(
        "releases",
        ("contracts: releases − returns", _by_key(releases, lambda r: r["released_pence"] - r["returned_pence"],
                                                  set())),
        ("budget ledger: released − returned postings",
         _by_key(ledger, lambda r: r["released_pence"] - r["returned_pence"], set())))
    differences += _bank_files(totals.payments)
    differences += [
        Difference("available", _subject(r["budget_id"], r["stream"]),
                   Side("budget ledger: available", r["available_pence"]), Side("at least", 0),
                   f"agreed {pounds(r['agreed_pence'])} + released {pounds(r['released_total_pence'])} − committed "
                   f"{pounds(r['committed_pence'])} − spent {pounds(r['spent_pence'])}")
        for r in ledger if r["available_pence"] < 0]
    return differences


def _bank_files(payments: dict[str, Any]) -> list[Difference]:
    differences = [
        Difference("bank_files", f"run {run['run_id']}" + (f" of {run['run_date']}" if run["run_date"] else
                                                           " (no such run)"),
                   Side("bank file", run["file_total_pence"]),
                   Side("run's recorded total", run["recorded_total_pence"]),
                   f"{run['file_credits']} credit(s) in the file, {run['recorded_payments']} payment(s) recorded")
        for run in payments["runs"]
        if (run["file_total_pence"], run["file_credits"]) != (run["recorded_total_pence"], run["recorded_payments"])]
    files = sum(run["file_total_pence"] for run in payments["runs"])
    sent = sum(row["issued_pence"] for row in payments["rows"])
    if files != sent:
        differences.append(Difference("bank_files", "all runs", Side("bank files", files),
                                      Side("payments sent (per budget)", sent),
                                      "a payment whose agreement is unknown is in a file but in no budget's total"))
    return differences


@dataclass
class Outcome:
    local_authority: str
    as_of: date | None
    differences: list[Difference]
    reads: int
    seconds: float
    counted: dict[str, int] = field(default_factory=dict)  # what was compared: budget streams, runs

    @property
    def clean(self) -> bool:
        return not self.differences

    def by_check(self) -> dict[str, int]:
        counts = dict.fromkeys(CHECKS, 0)
        for d in self.differences:
            counts[d.check] += 1
        return counts

    def report(self) -> list[str]:
        window = f"movements on or before {self.as_of.isoformat()}" if self.as_of else "all movements"
        lines = [f"sendpb reconcile {self.local_authority} ({window}): {self.reads} read(s) over {self.seconds:.1f} s; "
                 "events are asynchronous, so a difference counts only if it persisted in every read."]
        lines += [f"DIFFERENCE {d.describe()}" for d in self.differences]
        if self.clean:
            compared = ", ".join(f"{n} {what}" for what, n in self.counted.items())
            lines.append(f"Clean: the books agree ({compared}). Checked: " + "; ".join(
                f"{rule} {text}" for rule, text in CHECKS.values()) + ".")
        else:
            lines.append(f"{len(self.differences)} difference(s): " + ", ".join(
                f"{check} {n}" for check, n in self.by_check().items() if n) + ".")
        return lines


async def settle(read: Callable[[], Awaitable[Totals]], *, settle_seconds: float = 10.0, interval: float = 2.0,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> tuple[list[Difference], int, float, Totals]:
    """Read and compare; while differences remain and ``settle_seconds`` have not passed, read again every
    ``interval`` seconds and keep only the differences seen in every read (with their latest figures): a
    movement still on its way between services settles, a real difference stays. Returns the differences, the
    number of reads, the seconds taken and the last totals."""
    started = clock()
    totals = await read()
    pending = {d.key: d for d in compare(totals)}
    reads = 1
    while pending and clock() - started < settle_seconds:
        await sleep(max(0.0, min(interval, settle_seconds - (clock() - started))))
        totals = await read()
        reads += 1
        current = {d.key: d for d in compare(totals)}
        pending = {key: current[key] for key in pending if key in current}
    return list(pending.values()), reads, clock() - started, totals


class ReadFailed(RuntimeError):
    """A service's totals could not be read (it is down, or the token is refused)."""


async def fetch(client: httpx.AsyncClient, headers: dict[str, str], la: str, as_of: date | None) -> Totals:
    """The three services' finance totals for ``la``, read at once through the gateway."""
    params = {"local_authority": la, **({"as_of": as_of.isoformat()} if as_of else {})}

    async def one(service: str) -> dict[str, Any]:
        r = await client.get(f"/v1/{service}/finance/totals", params=params, headers=headers)
        if r.status_code != 200:
            raise ReadFailed(f"GET /v1/{service}/finance/totals: {r.status_code} {r.text[:300]}")
        return r.json()

    payments, budgets, contracts = await asyncio.gather(one("payments"), one("budgets"), one("contracts"))
    return Totals(payments=payments, budgets=budgets, contracts=contracts)


async def token(client: httpx.AsyncClient, client_id: str, client_secret: str) -> dict[str, str]:
    """A bearer token by client credentials (``POST /oauth/token``)."""
    r = await client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                "client_secret": client_secret})
    if r.status_code != 200:
        raise ReadFailed(f"token for {client_id}: {r.status_code} {r.text[:300]}")
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def reconcile(client: httpx.AsyncClient, headers: dict[str, str], la: str, *, as_of: date | None = None,
                    settle_seconds: float = 10.0, interval: float = 2.0) -> Outcome:
    """One reconciliation of ``la`` through the gateway ``client`` with a token in ``headers``."""
    differences, reads, seconds, totals = await settle(lambda: fetch(client, headers, la, as_of),
                                                       settle_seconds=settle_seconds, interval=interval)
    counted = {"budget streams": len(totals.budgets["rows"]), "runs": len(totals.payments["runs"]),
               "contract releases": sum(r["released_count"] for r in totals.contracts["rows"])}
    return Outcome(la, as_of, differences, reads, seconds, counted)


async def run(client: httpx.AsyncClient, *, la: str, client_id: str, client_secret: str, as_of: date | None = None,
              settle_seconds: float = 10.0, interval: float = 2.0, out: Callable[[str], Any] = print) -> int:
    """The command: 0 when the books agree, 1 when a difference persisted, 2 when they could not be read."""
    try:
        headers = await token(client, client_id, client_secret)
        outcome = await reconcile(client, headers, la, as_of=as_of, settle_seconds=settle_seconds,
                                  interval=interval)
    except (ReadFailed, httpx.HTTPError) as exc:
        out(f"sendpb reconcile {la}: could not read the totals: {exc}")
        return 2
    for line in outcome.report():
        out(line)
    return 0 if outcome.clean else 1
