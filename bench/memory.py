"""Memory benchmark (issue 21): the resident memory (VmRSS, /proc/<pid>/status) of each service and of the gateway
when idle, each a distributed-mode process (``sendpb serve --target <name>``) on PostgreSQL + RabbitMQ, beside a
minimal FastAPI app under the same uvicorn (the baseline: what Python, FastAPI and uvicorn take on their own).

    .venv/bin/python bench/memory.py [--quick] [--idle-seconds 5] [--base-port P]

Each process is started, asked once for /readyz (or /healthz), left idle for ``--idle-seconds`` and measured.
Target: each <= 120 MiB. Ports are ``--base-port`` onwards when given, else free ones; databases and vhost per
run. If PostgreSQL or RabbitMQ is unreachable it says why and exits 0."""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import backends, distributed_env, free_port, run_suffix, serve, stop, verdict, wait_ready  # noqa: E402

from sendpb.runner import SERVICES  # noqa: E402

TARGET_MIB = 120
MINIMAL = ("import fastapi, sys, uvicorn\n"
           "app = fastapi.FastAPI()\n"
           "app.get('/healthz')(lambda: {'status': 'ok'})\n"
           "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='warning', access_log=False)\n")


def rss_mib(pid: int) -> float:
    found = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    return int(found.group(1)) / 1024 if found else float("nan")


def minimal(port_: int, work: Path) -> subprocess.Popen:
    with open(work / "minimal.log", "ab") as log:
        return subprocess.Popen([sys.executable, "-c", MINIMAL, str(port_)], stdout=log, stderr=log)


async def main(args) -> int:
    from kit.testing import cleanup

    found = await backends(run_suffix(), [c.name for c in SERVICES])
    if isinstance(found, str):
        print(f"memory benchmark skipped: {found}")
        return 0
    template, amqp = found
    work = Path(tempfile.mkdtemp(prefix="sendpb-bench-memory-"))
    names = [c.name for c in SERVICES]
    ports = ({n: args.base_port + k for k, n in enumerate([*names, "gateway", "minimal"])} if args.base_port
             else {n: free_port() for n in [*names, "gateway", "minimal"]})
    env = distributed_env(template, amqp, SENDPB_GATEWAY_UPSTREAMS={
        c.prefix: f"http://127.0.0.1:{ports[c.name]}" for c in SERVICES})
    procs: dict[str, subprocess.Popen] = {}
    try:
        procs["minimal"] = minimal(ports["minimal"], work)
        for name in names:  # one at a time: each migrates its own database at start
            procs[name] = serve(name, ports[name], env, work)
            wait_ready(f"http://127.0.0.1:{ports[name]}/readyz", procs[name])
        procs["gateway"] = serve("gateway", ports["gateway"], env, work)
        wait_ready(f"http://127.0.0.1:{ports['gateway']}/readyz", procs["gateway"])
        wait_ready(f"http://127.0.0.1:{ports['minimal']}/healthz", procs["minimal"])
        time.sleep(args.idle_seconds)  # noqa: ASYNC251 - nothing else runs here; the processes settle
        rss = {name: rss_mib(proc.pid) for name, proc in procs.items()}
    finally:
        stop(list(procs.values()))
        await cleanup()
    base = rss.pop("minimal")
    print(f"\nVmRSS when idle ({args.idle_seconds:g}s after ready); baseline: a minimal FastAPI app under uvicorn "
          f"{base:.1f} MiB")
    for name, mib in rss.items():
        print(verdict(f"{name:<12} RSS", mib, base, "MiB", f"<= {TARGET_MIB} MiB", mib <= TARGET_MIB))
    print(json.dumps({"rss_mib": {k: round(v, 1) for k, v in rss.items()}, "baseline_mib": round(base, 1)}))
    return 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--idle-seconds", type=float, default=5)
    ap.add_argument("--base-port", type=int, help="ports from here on: 5 services, the gateway, the baseline")
    ap.add_argument("--quick", action="store_true", help="1 s idle")
    a = ap.parse_args()
    if a.quick:
        a.idle_seconds = 1
    sys.exit(asyncio.run(main(a)))
