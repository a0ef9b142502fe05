"""Gateway benchmark (issue 21): an authenticated business GET that reads the database,
``GET /v1/eligibility/requests?limit=10``, (a) straight to the eligibility service, (b) through the sendpb gateway,
(c) through nginx in front of the same service (the peer). The service and the gateway run as the distributed mode
runs them (a process each, PostgreSQL + RabbitMQ); the same many distinct tokens go to every target.

    .venv/bin/python bench/gateway.py [--quick] [--seconds 10] [--connections 32] [--tokens 20000]
                                      [--service-port P] [--gateway-port P] [--nginx-port P]

1. Throughput: closed loop, ``--connections`` requests always in flight, per target.
2. Latency at half load: open loop (wrk2-style, bench/loadgen.py; wrk2 is not in Debian) at half the direct
   throughput, per target; latency from each request's due time, so queueing shows.
Tokens: ``--tokens`` distinct clients signed with the dev key, used in turn; more than the verifiers' cache of
10,000, so every request checks a signature in the gateway and again in the service (the worst case; a small
``--tokens`` shows the cached one). Targets: gateway >= 0.8x direct throughput, <= 3 ms p99 added at half load.
Needs PostgreSQL and RabbitMQ (else it says why and exits 0); nginx is installed with apt when missing, or its row is
skipped with a message."""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import (  # noqa: E402
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

PATH = "/v1/eligibility/requests?limit=10"


def ensure_nginx() -> str | None:
    if not shutil.which("nginx"):
        print("# nginx not found; trying apt-get install nginx-light", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], capture_output=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("nginx")


def start_nginx(listen: int, upstream_port: int, workdir: Path) -> subprocess.Popen | None:
    nginx = ensure_nginx()
    if not nginx:
        print("# nginx unavailable: skipping the nginx row")
        return None
    conf = workdir / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/body; proxy_temp_path {workdir}/proxy;
  fastcgi_temp_path {workdir}/fcgi; uwsgi_temp_path {workdir}/uwsgi; scgi_temp_path {workdir}/scgi;
  upstream svc {{ server 127.0.0.1:{upstream_port}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{listen};
    location / {{
      proxy_pass http://svc;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Request-ID $request_id;
    }}
  }}
}}
""")
    return subprocess.Popen([nginx, "-c", str(conf), "-p", str(workdir)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


async def seed(base: str, token: str, n: int) -> None:
    from soak import eligibility_body

    async with session(8) as http:
        for k in range(n):
            async with http.post(base + "/v1/eligibility/requests", headers={"Authorization": f"Bearer {token}"},
                                 json=eligibility_body("E06000060", f"C-gwbench-{k}")) as r:
                assert r.status == 201, await r.text()


async def measure(args, targets: dict[str, str], toks: list[str], spent: dict[str, dict]) -> None:
    def requests_to(base: str):
        return lambda i: Request("GET", base + PATH, toks[i % len(toks)])

    async with session(args.connections) as http:
        for base in targets.values():  # warm up connections, caches, the JIT-less interpreter's imports
            await closed_loop(http, requests_to(base), concurrency=args.connections, seconds=args.warmup)
        full, cost = {}, {}
        for name, base in targets.items():
            full[name], cost[name] = await costed(closed_loop(http, requests_to(base), concurrency=args.connections,
                                                              seconds=args.seconds), spent[name])
        rate = full["direct"].rate / 2
        half = {name: await open_loop(http, requests_to(base), rate=rate, seconds=args.seconds)
                for name, base in targets.items()}
    load = os.getloadavg()
    print(f"\nGET {PATH} with {len(toks):,} distinct tokens ({os.cpu_count()} cores, load average "
          f"{load[0]:.2f}; service and gateway as distributed-mode processes on PostgreSQL)")
    print(f"\nthroughput, closed loop, {args.connections} in flight, {args.seconds:g}s each "
          f"(latency from the send):")
    for name, figures in full.items():
        print(figures.line(name))
    print("\nCPU each process spent per answered request in those runs (what a loaded machine's scheduling leaves "
          "alone):")
    for name, figures in cost.items():
        print(cost_line(name, figures))
    print(f"\nhalf load, open loop at {rate:,.0f} req/s (half of direct), {args.seconds:g}s each "
          f"(latency from the due time):")
    for name, figures in half.items():
        print(figures.line(name))
    print()
    throughput = full["gateway"].rate / full["direct"].rate
    print(verdict("throughput through the gateway vs direct", full["gateway"].rate, full["direct"].rate, "req/s",
                  ">= 0.80x", throughput >= 0.8))
    added = half["gateway"].pct(.99) - half["direct"].pct(.99)
    print(verdict("p99 at half load through the gateway vs direct", half["gateway"].pct(.99),
                  half["direct"].pct(.99), "ms", f"<= 3 ms added (added {added:.2f} ms)", added <= 3))
    if "nginx" in full:
        print(verdict("peer: throughput through nginx vs direct", full["nginx"].rate, full["direct"].rate, "req/s",
                      "none (the peer)", None))
        print(f"peer: p99 added by nginx at half load {half['nginx'].pct(.99) - half['direct'].pct(.99):.2f} ms; "
              f"gateway/nginx throughput {full['gateway'].rate / full['nginx'].rate:.2f}x")
    lag = max(f.pct(.99, "lag") for f in half.values())
    if lag > 1:
        print(f"note: the Python client lagged its schedule by up to {lag:.1f} ms (p99): at this rate the client, "
              "not only the server, limits the figures")


async def main(args) -> int:
    from kit.testing import cleanup

    suffix = run_suffix()
    found = await backends(suffix, ["eligibility"])
    if isinstance(found, str):
        print(f"gateway benchmark skipped: {found}")
        return 0
    template, amqp = found
    work = Path(tempfile.mkdtemp(prefix="sendpb-bench-gateway-"))
    svc, gw, ngx = port(args.service_port), port(args.gateway_port), port(args.nginx_port)
    env = distributed_env(template, amqp, SENDPB_GATEWAY_UPSTREAMS={"eligibility": f"http://127.0.0.1:{svc}"})
    procs = [serve("eligibility", svc, env, work)]
    try:
        wait_ready(f"http://127.0.0.1:{svc}/readyz", procs[0])
        procs.append(serve("gateway", gw, env, work))
        wait_ready(f"http://127.0.0.1:{gw}/healthz", procs[-1])
        targets = {"direct": f"http://127.0.0.1:{svc}", "gateway": f"http://127.0.0.1:{gw}"}
        nginx = start_nginx(ngx, svc, work)
        if nginx:
            procs.append(nginx)
            wait_ready(f"http://127.0.0.1:{ngx}/healthz", nginx)
            targets["nginx"] = f"http://127.0.0.1:{ngx}"
        toks = tokens(args.tokens)
        await seed(targets["direct"], toks[0], args.seed)
        spent = {"direct": {"service": procs[0]}, "gateway": {"gateway": procs[1], "service": procs[0]},
                 "nginx": {"nginx": nginx, "service": procs[0]}}
        await measure(args, targets, toks, spent)
        return 0
    finally:
        stop(procs)
        await cleanup()
        print(f"(logs in {work})")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--tokens", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=25, help="eligibility requests recorded before measuring")
    ap.add_argument("--service-port", type=int)
    ap.add_argument("--gateway-port", type=int)
    ap.add_argument("--nginx-port", type=int)
    ap.add_argument("--quick", action="store_true", help="small sizes: shows the benchmark works, not figures")
    a = ap.parse_args()
    if a.quick:
        a.seconds, a.warmup, a.tokens, a.connections, a.seed = 2, 0.5, 500, 8, 12
    sys.exit(asyncio.run(main(a)))
