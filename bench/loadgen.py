"""What the HTTP benchmarks share: an open-loop load generator in Python (wrk2 is not packaged in Debian, and wrk
measures latency from the actual send, which hides queueing), many distinct dev-key tokens, per-run names and
ports, the platform's processes, and the one way every benchmark prints its figure.

Open loop, as wrk2 does it: request i is due at ``start + i / rate`` whatever happened to the ones before it, and
its latency runs from that due time to the end of its response body, so a server (or a client) that falls behind
shows as latency instead of quietly lowering the offered load. The client's own lag (actual send − due time) is
reported too: when it grows, the Python client is the bottleneck, not the server."""
from __future__ import annotations

import asyncio
import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kit.auth import DEV_KID, TokenIssuer, dev_private_key_pem  # noqa: E402

LA = "E06000060"


def run_suffix() -> str:
    """A suffix for this run's databases and vhosts: two runs at once never share them."""
    return uuid.uuid4().hex[:10]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port(chosen: int | None) -> int:
    return chosen or free_port()


def tokens(n: int, *, scopes: tuple[str, ...] = ("casework", "read"), las: tuple[str, ...] = (LA,)) -> list[str]:
    """``n`` distinct tokens of ``n`` distinct clients, signed with the dev key as the gateway signs in dev mode."""
    issuer = TokenIssuer(dev_private_key_pem(), kid=DEV_KID, issuer="sendpb-gateway", audience="sendpb")
    return [issuer.issue(client_id=f"bench-{k}", scopes=list(scopes), las=list(las)) for k in range(n)]


@dataclass
class Request:
    method: str
    url: str
    token: str
    body: bytes | None = None


@dataclass
class Sample:
    due: float       # seconds from the phase's start
    lag: float       # actual send − due
    latency: float   # end of the response body − due (open loop) or − send (closed loop)
    status: int | str


@dataclass
class Figures:
    samples: list[Sample]
    seconds: float

    @property
    def rate(self) -> float:
        return sum(isinstance(s.status, int) and s.status < 400 for s in self.samples) / self.seconds

    def pct(self, p: float, what: str = "latency") -> float:
        """Nearest-rank percentile in ms."""
        values = sorted(getattr(s, what) for s in self.samples)
        if not values:
            return float("nan")
        return values[max(0, min(len(values) - 1, math.ceil(p * len(values)) - 1))] * 1000

    def errors(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.samples:
            if not (isinstance(s.status, int) and s.status < 400):
                out[str(s.status)] = out.get(str(s.status), 0) + 1
        return out

    def line(self, label: str) -> str:
        errors = ", ".join(f"{k}×{v}" for k, v in sorted(self.errors().items())) or "none"
        return (f"  {label:<24}{self.rate:>9,.0f}/s  p50 {self.pct(.5):>7.2f}  p99 {self.pct(.99):>8.2f} ms  "
                f"client lag p99 {self.pct(.99, 'lag'):>6.2f} ms  errors: {errors}")


def session(connections: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections, keepalive_timeout=60)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30),
                                 skip_auto_headers=("User-Agent",))


async def _fire(http: aiohttp.ClientSession, req: Request, due: float, t0: float, out: list[Sample]) -> None:
    sent = time.perf_counter()
    headers = {"Authorization": f"Bearer {req.token}"}
    if req.body is not None:
        headers["Content-Type"] = "application/json"
    try:
        async with http.request(req.method, req.url, data=req.body, headers=headers) as r:
            await r.read()
            status: int | str = r.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        status = type(exc).__name__
    out.append(Sample(due - t0, sent - due, time.perf_counter() - due, status))


async def open_loop(http: aiohttp.ClientSession, next_request: Callable[[int], Request], *, rate: float,
                    seconds: float) -> Figures:
    """Requests due at a fixed rate, sent when due whatever the answers; latency from the due time."""
    out: list[Sample] = []
    tasks: set[asyncio.Task] = set()
    t0 = time.perf_counter() + 0.05
    for i in range(max(1, int(rate * seconds))):
        due = t0 + i / rate
        if (delay := due - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(_fire(http, next_request(i), due, t0, out))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    return Figures(out, max(seconds, max((s.due + s.latency for s in out), default=seconds)))


async def closed_loop(http: aiohttp.ClientSession, next_request: Callable[[int], Request], *, concurrency: int,
                      seconds: float) -> Figures:
    """``concurrency`` requests always in flight for ``seconds``: the most the target answers (its throughput)."""
    out: list[Sample] = []
    counter = iter(range(10**12))
    t0 = time.perf_counter()
    deadline = t0 + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            now = time.perf_counter()
            await _fire(http, next_request(next(counter)), now, t0, out)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Figures(out, time.perf_counter() - t0)


def verdict(name: str, ours: float, baseline: float, unit: str, target: str, ok: bool | None) -> str:
    """The one line each benchmark ends with: our figure, the baseline, the ratio and the target."""
    ratio = ours / baseline if baseline else float("nan")
    met = "" if ok is None else ("  MET" if ok else "  NOT MET")
    return f"{name}: ours {ours:,.2f} {unit}, baseline {baseline:,.2f} {unit}, ratio {ratio:.2f}x; target {target}{met}"


# ---------------------------------------------------------------- processes
def serve(target: str, port_: int, env: dict[str, str], log_dir: Path) -> subprocess.Popen:
    """``sendpb serve --target <target>`` in a process of its own (the distributed mode's)."""
    log = open(log_dir / f"{target}.log", "ab")  # noqa: SIM115 - the child keeps its own copy
    proc = subprocess.Popen([sys.executable, "-m", "sendpb.cli", "serve", "--target", target, "--port", str(port_)],
                            cwd=ROOT, env=env, stdout=log, stderr=log)
    log.close()
    return proc


def wait_ready(url: str, proc: subprocess.Popen | None = None, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"{proc.args} exited with {proc.returncode} before {url} was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not become ready in {timeout:g}s")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process and its live children (nginx's worker) have used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    children = Path(f"/proc/{pid}/task/{pid}/children")
    below = [int(c) for c in children.read_text().split()] if children.exists() else []
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") + sum(cpu_seconds(c) for c in below)


async def costed(phase, procs: dict[str, subprocess.Popen]) -> tuple[Figures, dict[str, float]]:
    """Runs ``phase`` (a coroutine giving Figures) and returns them with the CPU milliseconds each of ``procs`` used
    per answered request: what a request costs each process, which a loaded machine's scheduling does not change
    the way it changes requests per second."""
    before = {name: cpu_seconds(p.pid) for name, p in procs.items()}
    figures = await phase
    answered = max(1, sum(isinstance(s.status, int) and s.status < 400 for s in figures.samples))
    return figures, {name: (cpu_seconds(p.pid) - before[name]) * 1000 / answered for name, p in procs.items()}


def cost_line(label: str, cost: dict[str, float]) -> str:
    return f"  {label:<24}" + ", ".join(f"{name} {ms:.2f}" for name, ms in cost.items()) + " ms CPU per request"


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)


def distributed_env(database_template: str, amqp_url: str, **extra: Any) -> dict[str, str]:
    return {**os.environ, "SENDPB_MODE": "dev", "SENDPB_DATABASE_URL_TEMPLATE": database_template,
            "SENDPB_AMQP_URL": amqp_url, "SENDPB_LOG_LEVEL": "WARNING",
            "SENDPB_GATEWAY_RATE_LIMIT_PER_SECOND": "1000000", "SENDPB_GATEWAY_RATE_LIMIT_BURST": "1000000",
            **{k: v if isinstance(v, str) else json.dumps(v) for k, v in extra.items()}}


async def backends(suffix: str, services: list[str]) -> tuple[str, str] | str:
    """PostgreSQL databases ``sendpb_bench_<suffix>_<service>`` and a RabbitMQ vhost of this run: (database URL
    template, AMQP URL), or why they cannot be had."""
    from kit.testing import AMQP_BASE, ensure_database, pg_url, postgres_reason, rabbit_url

    if reason := await postgres_reason():
        return reason
    try:
        import aio_pika

        conn = await aio_pika.connect(AMQP_BASE, timeout=3)
        await conn.close()
        amqp = await rabbit_url()
    except BaseException as exc:  # noqa: BLE001 - kit.testing skips (a pytest outcome) when it cannot make a vhost
        return f"RabbitMQ unusable at {AMQP_BASE}: {type(exc).__name__}: {exc}"
    for service in services:
        await ensure_database(f"sendpb_bench_{suffix}_{service}")
    return pg_url(f"sendpb_bench_{suffix}_{{service}}"), amqp
