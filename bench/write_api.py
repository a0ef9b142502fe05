"""Write-API benchmark (issue 21): ``POST /v1/eligibility/requests`` on PostgreSQL through the gateway, beside a
minimal FastAPI + asyncpg endpoint doing the same inserts in one transaction (bench/write_baseline.py).

    .venv/bin/python bench/write_api.py [--quick] [--seconds 10] [--connections 16] [--tokens 20000]
                                        [--service-port P] [--gateway-port P] [--baseline-port P]

The eligibility service and the gateway run as the distributed mode runs them (a process each, PostgreSQL +
RabbitMQ); the baseline writes into the same database's tables. Every request is a new child; the service's are
sent with many distinct dev-key tokens (bench/loadgen.py). Throughput closed loop (``--connections`` in flight)
for (a) the baseline, (b) the service direct, (c) through the gateway; then latency open loop at half the
gateway's throughput, from each request's due time. Target: through the gateway >= 0.5x the baseline.
If PostgreSQL or RabbitMQ is unreachable it says why and exits 0."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import (  # noqa: E402
    LA,
    Request,
    backends,
    closed_loop,
    cost_line,
    costed,
    distributed_env,
    open_loop,
    port,
    run_suffix,
    serve,
    session,
    stop,
    tokens,
    verdict,
    wait_ready,
)
from soak import eligibility_body  # noqa: E402


def bodies(prefix: str):
    return lambda i: json.dumps(eligibility_body(LA, f"C-{prefix}-{i}")).encode()


def start_baseline(dsn: str, port_: int, work: Path) -> subprocess.Popen:
    with open(work / "baseline.log", "ab") as log:
        return subprocess.Popen([sys.executable, str(Path(__file__).parent / "write_baseline.py"), "--dsn", dsn,
                                 "--port", str(port_)], stdout=log, stderr=log)


async def main(args) -> int:
    from kit.testing import cleanup

    suffix = run_suffix()
    found = await backends(suffix, ["eligibility"])
    if isinstance(found, str):
        print(f"write-API benchmark skipped: {found}")
        return 0
    template, amqp = found
    work = Path(tempfile.mkdtemp(prefix="sendpb-bench-write-"))
    svc, gw, base = port(args.service_port), port(args.gateway_port), port(args.baseline_port)
    env = distributed_env(template, amqp, SENDPB_GATEWAY_UPSTREAMS={"eligibility": f"http://127.0.0.1:{svc}"})
    dsn = template.format(service="eligibility").replace("postgresql+asyncpg://", "postgresql://")
    procs = [serve("eligibility", svc, env, work)]
    try:
        wait_ready(f"http://127.0.0.1:{svc}/readyz", procs[0])  # migrated: the baseline's tables exist
        procs.append(serve("gateway", gw, env, work))
        procs.append(start_baseline(dsn, base, work))
        wait_ready(f"http://127.0.0.1:{gw}/healthz", procs[1])
        wait_ready(f"http://127.0.0.1:{base}/openapi.json", procs[2])
        toks = tokens(args.tokens)
        make = {
            "baseline": lambda p: lambda i: Request("POST", f"http://127.0.0.1:{base}/requests", "-", p(i)),
            "service direct": lambda p: lambda i: Request("POST", f"http://127.0.0.1:{svc}/v1/eligibility/requests",
                                                          toks[i % len(toks)], p(i)),
            "through gateway": lambda p: lambda i: Request("POST", f"http://127.0.0.1:{gw}/v1/eligibility/requests",
                                                           toks[i % len(toks)], p(i)),
        }
        async with session(args.connections) as http:
            for name, build in make.items():  # warm up
                await closed_loop(http, build(bodies(f"{suffix}-warm-{name[0]}")), concurrency=args.connections,
                                  seconds=args.warmup)
            # The processes each target's requests cost CPU in (the gateway's figures include the service's).
            spent = {"baseline": {"baseline": procs[2]}, "service direct": {"service": procs[0]},
                     "through gateway": {"gateway": procs[1], "service": procs[0]}}
            full, cost = {}, {}
            for name, build in make.items():
                full[name], cost[name] = await costed(closed_loop(
                    http, build(bodies(f"{suffix}-full-{name[0]}")), concurrency=args.connections,
                    seconds=args.seconds), spent[name])
            rate = full["through gateway"].rate / 2
            half = {name: await open_loop(http, build(bodies(f"{suffix}-half-{name[0]}")), rate=rate,
                                          seconds=args.seconds) for name, build in make.items()}
        print(f"\nPOST /v1/eligibility/requests on PostgreSQL, every request a new child, {len(toks):,} distinct "
              f"tokens ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f})")
        print(f"\nthroughput, closed loop, {args.connections} in flight, {args.seconds:g}s each:")
        for name, figures in full.items():
            print(figures.line(name))
        print("\nCPU each process spent per answered request in those runs (what a loaded machine's scheduling leaves "
              "alone):")
        for name, figures in cost.items():
            print(cost_line(name, figures))
        print(f"\nopen loop at {rate:,.0f} req/s (half the gateway's throughput), latency from the due time:")
        for name, figures in half.items():
            print(figures.line(name))
        print()
        ours, baseline = full["through gateway"].rate, full["baseline"].rate
        print(verdict("eligibility requests through the gateway vs minimal FastAPI + asyncpg", ours, baseline,
                      "req/s", ">= 0.5x", ours >= 0.5 * baseline))
        return 0
    finally:
        stop(procs)
        await cleanup()
        print(f"(logs in {work})")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--tokens", type=int, default=20_000)
    ap.add_argument("--service-port", type=int)
    ap.add_argument("--gateway-port", type=int)
    ap.add_argument("--baseline-port", type=int)
    ap.add_argument("--quick", action="store_true", help="small sizes: shows the benchmark works, not figures")
    a = ap.parse_args()
    if a.quick:
        a.seconds, a.warmup, a.tokens, a.connections = 2, 0.5, 500, 8
    sys.exit(asyncio.run(main(a)))
