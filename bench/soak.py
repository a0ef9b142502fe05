"""Soak (issue 9, load): the distributed platform (each service and the gateway its own process, on PostgreSQL and
RabbitMQ: tests/distributed.py) under a realistic request mix through the gateway, open-loop at a fixed rate.

    .venv/bin/python bench/soak.py [--duration 180] [--rate R] [--families 40] [--capacity-seconds 15]
                                   [--concurrency 32] [--baseline-seconds 30] [--rss-flag-percent 20]

1. Seed: the whole journey (sendpb/journey.py) for two families, and ``--families`` more children each with an
   eligibility request and a RAS assessment (their budgets open by themselves from the events); a few contracts.
2. Capacity: a closed-loop burst of the same mix (``--concurrency`` in flight for ``--capacity-seconds``), unless
   ``--rate`` is given: the requests answered as expected over the time until the last answer and until the events
   they caused were handled (``Capacity``: the work the burst put off is part of what the soak must sustain); a
   shed request is sent again after its Retry-After, so the burst serves the soak's mix, not a lighter one. The
   burst's figure is then confirmed open loop, as the soak sends: ``--probe-seconds`` at that rate, and the
   platform has kept up when under ``--probe-shed-percent`` of the probe's requests were shed, none failed and its
   events were handled within ``--probe-drain-seconds`` after it; if not, the rate steps down by ``--probe-step``
   and is probed again (at most ``--probe-steps`` times). A closed-loop burst never queues more than its
   ``--concurrency``, so it cannot tell a rate the platform sustains from one it reaches only while nothing
   queues; an open-loop rate at or past that edge grows its queue without bound. The capacity is the first rate
   kept up; the soak then runs at ``--fraction`` of it (default 1: the measured capacity itself, as issue 21 asks;
   0.5 for the older half-load soak), for six times a probe's length by default.
3. Baseline: the same client, open-loop at the same rate, on the gateway's ``/healthz`` (no token, no upstream):
   what the client, the gateway process and the machine add on their own.
4. Soak: ``--duration`` seconds open-loop at the rate. Requests are sent on a fixed schedule whatever the answers
   (no coordinated omission) and latency runs from each request's scheduled time to the end of its response body.
   Mix: reads (budget, family statement, budgets of a child, eligibility decision, RAS result, contract summary,
   direct-payment schedule) and writes (ICB health-funding events, eligibility requests, RAS assessments for the
   same new children, so budgets keep opening from events). dev-casework and dev-admin tokens; dev-icb for ICB.
5. After the load: every outbox and queue must drain, no dead letters, and the budgets of the soak's new
   children must have opened.

``--cpu-hog`` keeps one core busy with a spinning process of its own through the capacity burst and the soak (the
machine loaded by other work, as issue 21's proof asks). At the end ``sendpb reconcile`` runs for both LAs through
the gateway: money errors are differences it finds.

Reports requests, errors (any status other than the one the call expects, transport errors, timeouts; a 503 with
Retry-After is load deliberately shed, counted apart and allowed up to 1% of the soak's requests),
p50/p95/p99 over the run, per minute and per call, and VmRSS (/proc/<pid>/status) of every service process and the
gateway when idle, at the start of the soak (warm: after the capacity burst) and at its end; growth over
``--rss-flag-percent`` from the start is flagged. Exit status 1 on any error, 503s at 1% or more, undrained
event, dead letter or reconciliation difference.
The gateway's per-client rate limit is raised for the run (as bench/gateway.py does), so 429s mean a bug here.
If PostgreSQL or RabbitMQ is unreachable it says why and exits 0."""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import aiohttp
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kit.testing import AMQP_BASE, cleanup, postgres_reason, rabbit_url  # noqa: E402
from sendpb.journey import Api, Family, ensure_ras_model, run  # noqa: E402
from services.ras.service.examples import ecm_model  # noqa: E402
from tests.distributed import distributed_platform  # noqa: E402

LAS = ("E06000060", "E06000049")
TODAY = date.today()
ANSWERS = ("none", "some", "lots", "exceptional")
# (call, weight): reads 80 %, writes 20 %
MIX = (("budget", 20), ("statement", 15), ("budgets-of-child", 5), ("eligibility-decision", 12),
       ("ras-result", 12), ("contract-summary", 10), ("dp-schedule", 6),
       ("POST icb-event", 8), ("POST eligibility-request", 6), ("POST ras-assessment", 6))


def note(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def reader(la: str) -> str:
    return "dev-casework" if la == LAS[0] else "dev-admin"  # dev-casework holds only the first LA


@dataclass
class Call:
    kind: str
    method: str
    path: str
    client: str
    expected: int
    body: dict | None = None


@dataclass
class Pool:
    """Ids the reads and writes pick from: (la, ...) tuples produced by the seeding."""

    budgets: list[tuple[str, str, str]] = field(default_factory=list)        # la, budget_id, child_id
    decisions: list[tuple[str, str, str]] = field(default_factory=list)      # la, request_id, decision_id
    assessments: list[tuple[str, str]] = field(default_factory=list)
    contracts: list[tuple[str, str]] = field(default_factory=list)
    agreements: list[tuple[str, str]] = field(default_factory=list)
    models: dict[str, str] = field(default_factory=dict)
    unpaired: deque = field(default_factory=deque)                           # (la, child) with only a request
    paired: list[tuple[str, str]] = field(default_factory=list)              # (la, child) with both


def eligibility_body(la: str, child: str) -> dict:
    return {"child_id": child, "local_authority": la, "date_of_birth": "2013-03-01",
            "requested_on": TODAY.isoformat(), "requested_by": "parent", "ehcp_stage": "plan_to_be_issued",
            "streams": ["education", "health", "social_care"], "arrangements": ["direct_payment", "notional"],
            "recipient": {"role": "parent", "capable_of_managing": True, "consents": True,
                          "drug_or_alcohol_requirement": False},
            "in_custody": False, "provision_on_setting_premises": False, "setting_agreement": None}


def assessment_body(la: str, child: str, model_id: str, rng: random.Random) -> dict:
    return {"child_id": child, "local_authority": la, "model_id": model_id,
            "answers": {q["id"]: rng.choice(ANSWERS) for q in ecm_model(la)["questions"]}}


def contract_body(la: str, i: int) -> dict:
    return {"local_authority": la, "provider": f"Soak Provider {i} CIC", "service": "short breaks",
            "stream": "social_care", "annual_value_pence": 6_000_000 + i * 100_000, "contracted_units": 1_200,
            "unit": "hour", "start_date": "2026-04-01", "end_date": "2028-03-31", "renewal_date": "2027-12-31",
            "max_release_percent": 20, "fixed_cost_percent": 30}


def new_child() -> str:
    return f"C-soak-{uuid.uuid4().hex[:10]}"


def make_call(kind: str, pool: Pool, rng: random.Random) -> Call:
    """One request of ``kind``, built when it is sent (writes pair eligibility requests with RAS assessments)."""
    if kind in ("budget", "statement", "budgets-of-child"):
        la, budget_id, child = rng.choice(pool.budgets)
        path = {"budget": f"/v1/budgets/{budget_id}", "statement": f"/v1/budgets/{budget_id}/statement",
                "budgets-of-child": f"/v1/budgets?child_id={child}"}[kind]
        return Call(kind, "GET", path, reader(la), 200)
    if kind == "eligibility-decision":
        la, request_id, decision_id = rng.choice(pool.decisions)
        return Call(kind, "GET", f"/v1/eligibility/requests/{request_id}/decisions/{decision_id}", reader(la), 200)
    if kind in ("ras-result", "contract-summary", "dp-schedule"):
        items = {"ras-result": pool.assessments, "contract-summary": pool.contracts,
                 "dp-schedule": pool.agreements}[kind]
        la, some_id = rng.choice(items)
        path = {"ras-result": f"/v1/ras/assessments/{some_id}", "contract-summary": f"/v1/contracts/{some_id}/summary",
                "dp-schedule": f"/v1/payments/agreements/{some_id}/schedule"}[kind]
        return Call(kind, "GET", path, reader(la), 200)
    if kind == "POST icb-event":
        la, _, child = rng.choice(pool.budgets)
        body = {"event_id": str(uuid.uuid4()), "child_id": child, "local_authority": la,
                "annual_amount_pence": rng.randrange(100_000, 900_000), "effective_from": TODAY.isoformat(),
                "reason": "Continuing care review"}
        return Call(kind, "POST", "/v1/budgets/health-funding-events", "dev-icb", 202, body)
    if kind == "POST eligibility-request":
        la, child = rng.choice(LAS), new_child()
        pool.unpaired.append((la, child))
        return Call(kind, "POST", "/v1/eligibility/requests", reader(la), 201, eligibility_body(la, child))
    if pool.unpaired:  # the request's child: the two events open a budget
        la, child = pool.unpaired.popleft()
        pool.paired.append((la, child))
    else:  # a child with no request yet: the assessment waits in the budget service
        la, child = rng.choice(LAS), new_child()
    return Call(kind, "POST", "/v1/ras/assessments", reader(la), 201,
                assessment_body(la, child, pool.models[la], rng))


def chooser(pool: Pool, seed: int) -> Callable[[], Call]:
    rng = random.Random(seed)
    kinds, weights = zip(*MIX, strict=True)
    return lambda: make_call(rng.choices(kinds, weights)[0], pool, rng)


# ---------------------------------------------------------------- seeding
async def seed(client, n_families: int) -> Pool:
    """The journey for two families (every id kind), then ``n_families`` children whose budgets open by events."""
    api, pool, rng = Api(client), Pool(), random.Random(7)
    for la in LAS:
        pool.models[la] = await ensure_ras_model(api, la)
    story: list[str] = []
    families = [Family("Soak-A", LAS[0], date(2012, 9, 1)), Family("Soak-B", LAS[1], date(2010, 1, 15))]
    for family, facts in zip(families, await asyncio.gather(*(run(api, f, today=TODAY, story=story)
                                                               for f in families)), strict=True):
        ids, la = facts["ids"], family.local_authority
        pool.budgets.append((la, ids["budget_id"], family.child_id))
        pool.decisions.append((la, ids["request_id"], ids["decision_id"]))
        pool.assessments.append((la, ids["assessment_id"]))
        pool.contracts.append((la, ids["contract_id"]))
        pool.agreements.append((la, ids["agreement_id"]))
    for i in range(4):
        la = LAS[i % 2]
        contract = await api.call("POST", "/v1/contracts", as_="dev-admin", status=201, json=contract_body(la, i))
        pool.contracts.append((la, contract["id"]))
    children = [(LAS[i % 2], new_child()) for i in range(n_families)]
    for la, child in children:
        decision = await api.call("POST", "/v1/eligibility/requests", as_=reader(la), status=201,
                                  json=eligibility_body(la, child))
        if decision.get("decision_id"):
            pool.decisions.append((la, decision["id"], decision["decision_id"]))
        assessment = await api.call("POST", "/v1/ras/assessments", as_=reader(la), status=201,
                                    json=assessment_body(la, child, pool.models[la], rng))
        pool.assessments.append((la, assessment["id"]))
    for la, child in children:
        async def opened(la=la, child=child):
            page = await api.call("GET", "/v1/budgets", as_=reader(la), params={"child_id": child})
            return page["items"][0] if page["items"] else None

        budget = await api.until(f"the budget of {child} to open", opened)
        pool.budgets.append((la, budget["id"], child))
    return pool


async def tokens_for(client) -> dict[str, dict[str, str]]:
    api = Api(client)
    return {c: await api.token(c) for c in ("dev-casework", "dev-admin", "dev-icb")}


# ---------------------------------------------------------------- load
@dataclass
class Sample:
    kind: str
    at: float          # scheduled send time, seconds from the phase's start
    lag: float         # actual send − scheduled send
    latency: float     # end of response body − scheduled send
    ok: bool
    status: int | str
    retry_after: float = 0.0  # seconds, on a shed answer


class Load:
    def __init__(self, session: aiohttp.ClientSession, tokens: dict[str, dict[str, str]]) -> None:
        self.session, self.tokens = session, tokens
        self.failures: list[str] = []

    async def fire(self, call: Call, scheduled: float, t0: float, out: list[Sample]) -> Sample:
        sent = time.perf_counter()
        body, retry_after = b"", 0.0
        try:
            async with self.session.request(call.method, call.path, json=call.body,
                                            headers=self.tokens.get(call.client)) as r:
                body, status = await r.read(), r.status
                retry_after = float(r.headers.get("Retry-After", 0) or 0)
        except (aiohttp.ClientError, TimeoutError) as exc:
            status = type(exc).__name__
        done = time.perf_counter()
        ok = status == call.expected
        if not ok and not shed(status) and len(self.failures) < 10:
            self.failures.append(f"{call.method} {call.path}: expected {call.expected}, got {status} {body[:300]!r}")
        sample = Sample(call.kind, scheduled - t0, sent - scheduled, done - scheduled, ok, status, retry_after)
        out.append(sample)
        return sample

    async def open_loop(self, next_call: Callable[[], Call], rate: float, seconds: float) -> list[Sample]:
        """Send on a fixed schedule, never waiting for answers: a slow answer cannot delay the next request."""
        out: list[Sample] = []
        tasks: set[asyncio.Task] = set()
        t0 = time.perf_counter() + 0.05
        for i in range(int(rate * seconds)):
            scheduled = t0 + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self.fire(next_call(), scheduled, t0, out))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
        return out

    async def closed_loop(self, next_call: Callable[[], Call], concurrency: int, seconds: float) -> list[Sample]:
        """``concurrency`` clients, each sending its next request when the last was answered. A shed request (503)
        is sent again after its Retry-After, as a client does (and as the soak's mix needs it: were the client to
        go on to another request, a busy service's shed calls would be replaced by cheaper calls to the others,
        and the burst would measure a lighter mix than the soak sends)."""
        out: list[Sample] = []
        t0 = time.perf_counter()
        deadline = t0 + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                call = next_call()
                sample = await self.fire(call, time.perf_counter(), t0, out)
                while shed(sample.status) and time.perf_counter() < deadline:
                    await asyncio.sleep(max(sample.retry_after, 0.1))  # noqa: ASYNC110 - the server's Retry-After
                    sample = await self.fire(call, time.perf_counter(), t0, out)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return out


@dataclass(frozen=True)
class Capacity:
    """What the platform sustains of the mix: the requests a closed-loop burst had answered as expected, over the
    time until the last answer came back and the events those requests caused were all handled (outboxes sent,
    consumer queues empty). Counting only the burst's own seconds would credit the platform with the work it put
    off: the budgets the burst's eligibility requests and RAS assessments open, the ICB events published and
    consumed, run after the burst while the soak has to do that work alongside its requests. Shed (503) and failed
    answers are not served requests; an answer still in flight at the burst's end took its time too."""

    served: int
    answered_in: float        # seconds from the burst's start to its last answer (shed calls sent again)
    events_in: float          # seconds after that until its events were handled

    @property
    def rate(self) -> float:
        return self.served / (self.answered_in + self.events_in)


@dataclass(frozen=True)
class Probe:
    """One open-loop try of a rate while measuring the capacity: its requests and how long its events took."""

    rate: float
    samples: list[Sample]
    events_in: float
    drained: bool

    @property
    def shed_percent(self) -> float:
        return sum(shed(s.status) for s in self.samples) * 100 / max(1, len(self.samples))

    def kept_up(self, args: argparse.Namespace) -> bool:
        return (self.drained and errors_of(self.samples) == 0 and self.shed_percent < args.probe_shed_percent
                and self.events_in <= args.probe_drain_seconds)

    def describe(self, args: argparse.Namespace) -> str:
        lat = sorted(s.latency for s in self.samples)
        return (f"{self.rate:,.1f} req/s for {args.probe_seconds:g}s: {self.shed_percent:.2f}% shed, "
                f"{errors_of(self.samples)} errors, p99 {pct(lat, .99):,.0f} ms, events handled "
                f"{self.events_in:.1f}s after: {'kept up' if self.kept_up(args) else 'did not keep up'}")


async def confirm(load: Load, pool: Pool, estimate: float, args: argparse.Namespace,
                  settle: Callable) -> list[Probe]:
    """Probe open loop from the burst's estimate down, a ``--probe-step`` at a time, until a rate is kept up."""
    probes: list[Probe] = []
    rate = estimate
    for step in range(args.probe_steps):
        note(f"capacity: confirming {rate:,.1f} req/s open loop for {args.probe_seconds:g}s")
        samples = await load.open_loop(chooser(pool, 10 + step), rate, args.probe_seconds)
        drained, events_in, *_ = await settle()
        probes.append(Probe(rate, samples, events_in, drained))
        if probes[-1].kept_up(args):
            break
        rate *= 1 - args.probe_step
    return probes


def shed(status: int | str) -> bool:
    """A deliberate refusal under load: 503 with Retry-After (kit.errors, gateway shedding; issue 21)."""
    return status == 503


def errors_of(samples: list[Sample]) -> int:
    return sum(not s.ok and not shed(s.status) for s in samples)


def healthz() -> Call:
    return Call("GET /healthz", "GET", "/healthz", "", 200)


# ---------------------------------------------------------------- processes, events, figures
def rss_kib(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
    return int(found.group(1)) if found else None


def rss_all(procs: dict[str, int]) -> dict[str, int | None]:
    return {name: rss_kib(pid) for name, pid in procs.items()}


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (/proc/<pid>/stat fields 14 and 15)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) seconds of all CPUs since boot, from /proc/stat."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - ticks[3] - ticks[4]) / hz, sum(ticks) / hz


SHARED = {"PostgreSQL": "postgres", "RabbitMQ": "beam.smp"}  # servers other runs on the machine may use too


def by_command(comm: str) -> dict[int, float]:
    found = {}
    for status in Path("/proc").glob("[0-9]*/comm"):
        try:
            if status.read_text().strip() == comm:
                found[int(status.parent.name)] = cpu_seconds(int(status.parent.name))
        except (OSError, ValueError):
            continue
    return found


@dataclass
class CpuMeter:
    """CPU used over a span by each process, by PostgreSQL and RabbitMQ (every process of theirs, whoever's the
    work: processes that ended within the span are missed), and by the whole machine (key "")."""

    procs: dict[str, int]
    start: dict[str, float] = field(default_factory=dict)
    used: dict[str, float] = field(default_factory=dict)

    def snapshot(self) -> tuple[dict[str, float], dict[str, dict[int, float]]]:
        own = {n: cpu_seconds(p) for n, p in self.procs.items()} | {"": machine_cpu()[0]}
        return own, {name: by_command(comm) for name, comm in SHARED.items()}

    def __enter__(self) -> CpuMeter:
        self.start, self.shared = self.snapshot()
        self.wall = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self.wall
        now, shared = self.snapshot()
        self.used = {n: now[n] - self.start[n] for n in now}
        for name, pids in shared.items():
            self.used[name] = sum(v - self.shared[name].get(pid, 0.0) for pid, v in pids.items()
                                  if not math.isnan(v))

    def percent(self, name: str) -> float:
        """Of one core."""
        return self.used.get(name, float("nan")) * 100 / self.wall


async def sample_rss(procs: dict[str, int], into: list[tuple[float, dict]], t0: float, every: float = 5) -> None:
    while True:
        into.append((time.perf_counter() - t0, rss_all(procs)))
        await asyncio.sleep(every)


async def outbox_pending(session: aiohttp.ClientSession, ports: dict[str, int]) -> int:
    total = 0
    for port in ports.values():
        async with session.get(f"http://127.0.0.1:{port}/metrics") as r:
            for value in re.findall(r"^sendpb_outbox_pending\{[^}]*\} ([\d.e+]+)$", await r.text(), re.M):
                total += int(float(value))
    return total


def queue_depths(vhost: str) -> dict[str, int] | None:
    try:
        out = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "messages"],
                             capture_output=True, text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {name: int(n) for name, n in re.findall(r"^(\S+)\s+(\d+)$", out, re.M)}


async def drain(session: aiohttp.ClientSession, ports: dict[str, int], vhost: str,
                timeout: float = 90) -> tuple[bool, float, int, dict[str, int] | None]:
    """Wait until no outbox row is unsent and no consumer queue holds a message: (drained, seconds, pending,
    queue depths). Dead-letter queues are left out of the wait and reported. The seconds run to the start of the
    look that found nothing left (the work was done by then; rabbitmqctl alone takes a second or more on a busy
    machine, which would otherwise count as work)."""
    started = time.perf_counter()
    while True:
        elapsed = time.perf_counter() - started
        pending = await outbox_pending(session, ports)
        depths = await asyncio.to_thread(queue_depths, vhost)
        live = sum(n for q, n in (depths or {}).items() if not q.endswith(".dlq"))
        if (pending == 0 and live == 0) or elapsed > timeout:
            return pending == 0 and live == 0, elapsed, pending, depths
        await asyncio.sleep(0.5)


async def budgets_opened(load: Load, pairs: list[tuple[str, str]]) -> int:
    opened = 0
    for la, child in pairs:
        async with load.session.get("/v1/budgets", params={"child_id": child}, headers=load.tokens[reader(la)]) as r:
            opened += r.status == 200 and bool((await r.json())["items"])
    return opened


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile, in ms."""
    return values[max(0, min(len(values) - 1, math.ceil(p * len(values)) - 1))] * 1000 if values else float("nan")


def row(label: str, samples: list[Sample], seconds: float | None = None) -> str:
    lat = sorted(s.latency for s in samples)
    errors = errors_of(samples)
    five = sum(isinstance(s.status, int) and s.status >= 500 and not shed(s.status) for s in samples)
    sheds = sum(shed(s.status) for s in samples)
    rate = f"{len(samples) / seconds:>8,.1f}" if seconds else f"{'':>8}"
    return (f"{label:<30}{len(samples):>9,}{rate}{errors:>7}{five:>5}{sheds:>5}{pct(lat, 0.50):>9.1f}"
            f"{pct(lat, 0.95):>9.1f}{pct(lat, 0.99):>9.1f}{lat[-1] * 1000 if lat else float('nan'):>9.1f}")


HEADER = (f"{'':<30}{'requests':>9}{'req/s':>8}{'errors':>7}{'5xx':>5}{'503':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}")


def mib(kib: int | None) -> str:
    return f"{kib / 1024:>9.1f}" if kib else f"{'?':>9}"


def rss_table(names: list[str], idle: dict, start: dict, end: dict, peak: dict, flag_percent: float,
              cpu: CpuMeter) -> list[str]:
    lines = [f"{'process':<14}{'CPU %':>7}{'idle MiB':>9}{'start MiB':>10}{'end MiB':>9}{'peak MiB':>9}"
             f"{'growth MiB':>11}{'growth %':>9}  flag"]
    flagged = []
    for name in names:
        s, e = start.get(name), end.get(name)
        growth = (e - s) / 1024 if s and e else float("nan")
        percent = (e - s) * 100 / s if s and e else float("nan")
        flag = f"GROWTH > {flag_percent:g}%" if percent > flag_percent else ""
        if flag:
            flagged.append(name)
        lines.append(f"{name:<14}{cpu.percent(name):>7.0f}{mib(idle.get(name))}{mib(s):>10}{mib(e)}{mib(peak.get(name))}{growth:>11.1f}"
                     f"{percent:>9.1f}  {flag}")
    if flagged:
        lines.append(f"flagged: {', '.join(flagged)} grew more than {flag_percent:g}% from the start of the soak")
    return lines


def cpu_hog() -> subprocess.Popen:
    """A process of our own spinning on one core until killed."""
    note("cpu hog: one core kept busy through the capacity burst and the soak")
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def reconcile(url: str) -> str:
    """``sendpb reconcile`` for both LAs through the gateway: "clean", or what it found."""
    found = []
    for la in LAS:
        done = subprocess.run([sys.executable, "-m", "sendpb.cli", "reconcile", "--local-authority", la, "--url", url,
                               "--client-id", "dev-admin", "--settle-seconds", "10"], capture_output=True, text=True,
                              timeout=300, cwd=Path(__file__).resolve().parents[1])
        if done.returncode != 0:
            found.append(f"{la} exit {done.returncode}: {(done.stdout + done.stderr)[-600:]}")
    return "clean" if not found else "; ".join(found)


# ---------------------------------------------------------------- the run
async def reachable() -> str | None:
    reason = await postgres_reason()
    if reason:
        return reason
    try:
        import aio_pika

        conn = await aio_pika.connect(AMQP_BASE, timeout=3)
        await conn.close()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"RabbitMQ unreachable at {AMQP_BASE}: {type(exc).__name__}: {exc}"
    return None


async def soak(args) -> int:
    log_dir = Path(tempfile.mkdtemp(prefix="sendpb-soak-"))
    env = {"SENDPB_GATEWAY_RATE_LIMIT_PER_SECOND": "1000000", "SENDPB_GATEWAY_RATE_LIMIT_BURST": "1000000"}
    started = time.perf_counter()
    note(f"starting the distributed platform (logs in {log_dir})")
    async with distributed_platform(log_dir, extra_env=env) as (client, ports, procs):
        vhost = (await rabbit_url()).rsplit("/", 1)[1] or "/"
        pids = {p.args[5]: p.pid for p in procs} | {"soak client": os.getpid()}
        names = [*ports, "gateway", "soak client"]
        note(f"platform ready in {time.perf_counter() - started:.1f}s; seeding")
        pool = await seed(client, args.families)
        tokens = await tokens_for(client)
        seeded = (f"{len(pool.budgets)} budgets, {len(pool.decisions)} decisions, {len(pool.assessments)} "
                  f"assessments, {len(pool.contracts)} contracts, {len(pool.agreements)} DP agreements")
        note(f"seeded: {seeded}")
        connector = aiohttp.TCPConnector(limit=1024, limit_per_host=1024)
        async with aiohttp.ClientSession(str(client.base_url), connector=connector,
                                         timeout=aiohttp.ClientTimeout(total=args.timeout)) as session:
            load = Load(session, tokens)
            seed_drain = await drain(session, ports, vhost)
            idle = rss_all(pids)
            warm = await load.closed_loop(chooser(pool, 1), args.concurrency, 3)
            await drain(session, ports, vhost)  # the warm-up's events are not the burst's work
            capacity, burst = None, []
            hog = cpu_hog() if args.cpu_hog else None
            if args.rate is None:
                note(f"capacity: closed loop, {args.concurrency} in flight, {args.capacity_seconds:g}s, and its "
                     "events handled")
                began = time.perf_counter()
                burst = await load.closed_loop(chooser(pool, 2), args.concurrency, args.capacity_seconds)
                answered_in = time.perf_counter() - began
            burst_drain = await drain(session, ports, vhost)
            probes: list[Probe] = []
            if args.rate is None:
                capacity = Capacity(sum(s.ok for s in burst), answered_in, burst_drain[1])
                probes = await confirm(load, pool, capacity.rate, args, lambda: drain(session, ports, vhost))
            rate = args.rate or probes[-1].rate * args.fraction
            base_seconds = min(args.baseline_seconds, args.duration)
            note(f"baseline: GET /healthz at {rate:,.1f} req/s for {base_seconds:g}s")
            baseline = await load.open_loop(healthz, rate, base_seconds)
            note(f"soak: {args.duration:g}s at {rate:,.1f} req/s")
            rss_series: list[tuple[float, dict]] = []
            t0 = time.perf_counter()
            sampler = asyncio.create_task(sample_rss(pids, rss_series, t0))
            with CpuMeter(pids) as cpu:
                run_samples = await load.open_loop(chooser(pool, 3), rate, args.duration)
            sampler.cancel()
            if hog is not None:
                hog.kill()
                hog.wait()
            end = rss_all(pids)
            note("soak done; waiting for events to drain")
            drained, drain_s, pending, depths = await drain(session, ports, vhost)
            sample = pool.paired[-20:]
            opened = await budgets_opened(load, sample)
            differences = await asyncio.to_thread(reconcile, str(client.base_url))
    report = Report(args, rate, capacity, probes, burst, warm, baseline, run_samples, load.failures, seeded)
    report.print_figures()
    start_rss = rss_series[0][1] if rss_series else idle
    peak = {n: max((s.get(n) or 0 for _, s in rss_series), default=0) for n in names}
    print("\nprocesses: CPU during the soak (% of one core); RSS = VmRSS from /proc/<pid>/status, idle = after "
          "seeding, start = the soak's first second (after the capacity burst), peak of samples every 5 s")
    print("\n".join(rss_table(names, idle, start_rss, end, peak, args.rss_flag_percent, cpu)))
    ours = sum(cpu.used[n] for n in names) + sum(cpu.used[n] for n in SHARED)
    print(f"CPU during the soak (100% = one core; {os.cpu_count()} cores): machine {cpu.percent(''):.0f}%: the "
          f"processes above {sum(cpu.used[n] for n in names) * 100 / cpu.wall:.0f}%, "
          + ", ".join(f"{n} {cpu.percent(n):.0f}%" for n in SHARED)
          + f" (all their processes), anything else on the machine {(cpu.used[''] - ours) * 100 / cpu.wall:.0f}%")
    dlq = {q: n for q, n in (depths or {}).items() if q.endswith(".dlq")}
    dead = sum(dlq.values())
    print(f"\nevents: {'drained' if drained else 'NOT drained'} {drain_s:.1f}s after the load (outbox pending "
          f"{pending}, queues {depths if depths is not None else 'unknown: rabbitmqctl unavailable'}); "
          f"after the capacity burst drained in {burst_drain[1]:.1f}s; dead letters {dead}; budgets opened for "
          f"{opened}/{len(sample)} of the soak's last new children")
    errors = errors_of(warm + burst + [s for p in probes for s in p.samples] + baseline + run_samples)
    sheds = sum(shed(s.status) for s in run_samples)
    shed_percent = sheds * 100 / max(1, len(run_samples))
    print(f"\n503s (load shed, with Retry-After) in the soak: {sheds} of {len(run_samples)} = {shed_percent:.2f}% "
          f"(allowed < 1%); reconciliation: {differences}")
    failed = (errors > 0 or shed_percent >= 1 or differences != "clean" or not drained or dead > 0
              or opened < len(sample) or not seed_drain[0]
              or not burst_drain[0])
    print(f"\nverdict: {'FAIL' if failed else 'PASS'} ({errors} errors, {dead} dead letters, "
          f"events {'drained' if drained else 'not drained'})")
    return 1 if failed else 0


@dataclass
class Report:
    args: argparse.Namespace
    rate: float
    capacity: Capacity | None
    probes: list[Probe]
    burst: list[Sample]
    warm: list[Sample]
    baseline: list[Sample]
    soak: list[Sample]
    failures: list[str]
    seeded: str

    def print_figures(self) -> None:
        a, rate = self.args, self.rate
        load = os.getloadavg()
        print(f"\nsoak of the distributed platform: 5 services + gateway, one process each, PostgreSQL + RabbitMQ; "
              f"{os.cpu_count()} cores, load average {load[0]:.2f} at the end")
        print(f"seeded: {self.seeded}")
        print("mix: " + ", ".join(f"{k} {w}%" for k, w in MIX))
        if (c := self.capacity) is not None:
            print(f"capacity: closed loop, {a.concurrency} in flight, {a.capacity_seconds:g}s: {c.served:,} answered "
                  f"as expected ({len(self.burst) - c.served} other answers: shed and sent again, or errors) in "
                  f"{c.answered_in:.1f}s, their events handled "
                  f"{c.events_in:.1f}s later: {c.rate:,.1f} req/s (the burst's own seconds alone would say "
                  f"{len(self.burst) / a.capacity_seconds:,.1f})")
            print("capacity confirmed open loop (the first rate kept up is the capacity):\n  "
                  + "\n  ".join(p.describe(a) for p in self.probes))
            kept = self.probes[-1]
            print(f"→ capacity {kept.rate:,.1f} req/s ({kept.rate / c.rate:.2f}x the burst's estimate"
                  f"{'' if kept.kept_up(a) else '; NOT kept up at the last step: the soak runs at it anyway'}) → "
                  f"soak rate {rate:,.1f} req/s ({a.fraction:g} of it)")
        else:
            print(f"soak rate {rate:,.1f} req/s (--rate; capacity not measured)")
        print("baseline: the same client, open loop at the same rate, on the gateway's GET /healthz (no token, no "
              "upstream, no database) — what the client and the machine cost on their own")
        print(f"\n{HEADER}")
        if self.burst:
            print(row(f"capacity burst (closed, {a.concurrency})", self.burst, a.capacity_seconds))
        base_s = min(a.baseline_seconds, a.duration)
        print(row("baseline GET /healthz", self.baseline, base_s))
        print(row(f"soak, all ({a.duration:g}s)", self.soak, a.duration))
        for start in range(0, math.ceil(a.duration), a.window):
            part = [s for s in self.soak if start <= s.at < start + a.window]
            span = min(a.window, a.duration - start)
            print(row(f"  {start:.0f}–{start + span:.0f} s", part, span))
        for kind, _ in MIX:
            print(row(f"  {kind}", [s for s in self.soak if s.kind == kind], a.duration))
        lat = sorted(s.latency for s in self.soak)
        base = sorted(s.latency for s in self.baseline)
        lag = sorted(s.lag for s in self.soak)
        print(f"\nsoak / baseline latency: p50 {pct(lat, .5) / pct(base, .5):.1f}x, p99 "
              f"{pct(lat, .99) / pct(base, .99):.1f}x; offered {len(self.soak) / a.duration:,.1f} req/s = "
              f"{rate / self.probes[-1].rate if self.probes else float('nan'):.2f}x capacity")
        print(f"client send lag (actual − scheduled send) in the soak: p50 {pct(lag, .5):.2f} ms, p99 "
              f"{pct(lag, .99):.2f} ms, max {lag[-1] * 1000 if lag else float('nan'):.1f} ms")
        if self.failures:
            print("first errors:\n  " + "\n  ".join(self.failures))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=180, help="soak seconds (default 180)")
    ap.add_argument("--rate", type=float, default=None, help="req/s; default: --fraction of the measured capacity")
    ap.add_argument("--fraction", type=float, default=1.0, help="of the measured capacity (default 1)")
    ap.add_argument("--cpu-hog", action="store_true", help="keep one core busy through the burst and the soak")
    ap.add_argument("--quick", action="store_true", help="a 20 s soak of 6 families: shows it works")
    ap.add_argument("--families", type=int, default=40, help="children seeded with a budget (default 40)")
    ap.add_argument("--capacity-seconds", type=float, default=15)
    ap.add_argument("--concurrency", type=int, default=32, help="in flight during the capacity burst")
    ap.add_argument("--probe-seconds", type=float, default=30, help="each open-loop try of a rate (default 30)")
    ap.add_argument("--probe-shed-percent", type=float, default=0.25,
                    help="a try sheds under this %% of its requests to be kept up (default 0.25)")
    ap.add_argument("--probe-drain-seconds", type=float, default=5,
                    help="a try's events are handled within this after it to be kept up (default 5)")
    ap.add_argument("--probe-step", type=float, default=0.05, help="the rate's step down after a try (default 0.05)")
    ap.add_argument("--probe-steps", type=int, default=6, help="tries at most (default 6)")
    ap.add_argument("--baseline-seconds", type=float, default=30)
    ap.add_argument("--window", type=int, default=60, help="seconds per row of the per-minute table")
    ap.add_argument("--timeout", type=float, default=10, help="per request; a timeout is an error")
    ap.add_argument("--rss-flag-percent", type=float, default=20)
    args = ap.parse_args()
    if args.quick:
        args.duration, args.families, args.capacity_seconds, args.baseline_seconds, args.window = 20, 6, 5, 5, 10
        args.probe_seconds, args.probe_steps = 5, 2

    async def go() -> int:
        reason = await reachable()
        if reason:
            print(f"skipped: {reason}")
            return 0
        try:
            return await soak(args)
        except pytest.skip.Exception as exc:  # kit.testing skips (a pytest outcome) when it cannot make a vhost
            print(f"skipped: {exc}")
            return 0
        finally:
            await cleanup()

    return asyncio.run(go())


if __name__ == "__main__":
    sys.exit(main())
