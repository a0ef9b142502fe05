"""Gateway benchmark: one GET, (a) straight to the service, (b) through the sendpb gateway, (c) through nginx in
front of the same service. Same machine, same run; wrk drives the load.

    .venv/bin/python bench/gateway.py [--path /v1/ras/healthz] [--seconds 10] [--connections 32]

Prints requests/s and p50/p99 at full load, then p50/p99 at half the direct throughput, and the ratios.
Targets (issue 2): gateway >= 0.5x direct throughput; <= 5 ms added p99 at half load. Needs wrk and nginx
(Debian packages; installed when missing and apt works, else that row is skipped with a message)."""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_tool(name: str, package: str) -> str | None:
    if shutil.which(name):
        return shutil.which(name)
    print(f"# {name} not found; trying apt-get install {package}", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], capture_output=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which(name)


def wait_ready(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not become ready")


def start(target: str, port: int, env: dict, logs: Path) -> subprocess.Popen:
    log = open(logs / f"{target}.log", "wb")  # noqa: SIM115
    return subprocess.Popen([PYTHON, "-m", "sendpb.cli", "serve", "--target", target, "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=log)


def start_nginx(port: int, upstream_port: int, workdir: Path) -> subprocess.Popen | None:
    nginx = ensure_tool("nginx", "nginx-light")
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
    listen 127.0.0.1:{port};
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


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def run_wrk(url: str, token: str, *, seconds: int, connections: int, delay_ms: float | None = None) -> dict:
    script = None
    if delay_ms:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write(f"function delay() return {delay_ms:.3f} end\n")
        script.close()
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
           "-H", f"Authorization: Bearer {token}", url]
    if script:
        cmd[1:1] = ["-s", script.name]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    pct = {p: float(v) * UNITS[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": pct.get("50"), "p99": pct.get("99"), "non2xx": int(errors.group(1)) if errors else 0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--path", default="/v1/ras/healthz")
    ap.add_argument("--service", default="ras")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
    if not ensure_tool("wrk", "wrk"):
        print("wrk is not available and could not be installed: no figures")
        return
    work = Path(tempfile.mkdtemp(prefix="sendpb-bench-"))
    svc_port, gw_port, nginx_port = free_port(), free_port(), free_port()
    env = {**os.environ, "SENDPB_DATA_DIR": str(work / "data"), "SENDPB_LOG_LEVEL": "WARNING",
           "SENDPB_GATEWAY_RATE_LIMIT_PER_SECOND": "1000000", "SENDPB_GATEWAY_RATE_LIMIT_BURST": "1000000",
           "SENDPB_GATEWAY_UPSTREAMS": json.dumps({args.path.split("/")[2]: f"http://127.0.0.1:{svc_port}"})}
    procs = [start(args.service, svc_port, env, work), start("gateway", gw_port, env, work)]
    try:
        wait_ready(f"http://127.0.0.1:{svc_port}/readyz")
        wait_ready(f"http://127.0.0.1:{gw_port}/healthz")
        nginx = start_nginx(nginx_port, svc_port, work)
        if nginx:
            procs.append(nginx)
            wait_ready(f"http://127.0.0.1:{nginx_port}/healthz")
        req = urllib.request.Request(f"http://127.0.0.1:{gw_port}/oauth/token", data=(
            b"grant_type=client_credentials&client_id=dev-admin&client_secret=dev-secret"))
        token = json.load(urllib.request.urlopen(req))["access_token"]
        targets = {"direct": svc_port, "gateway": gw_port}
        if nginx:
            targets["nginx"] = nginx_port
        for port in targets.values():  # warm up connections and caches
            run_wrk(f"http://127.0.0.1:{port}{args.path}", token, seconds=2, connections=args.connections)
        full = {name: run_wrk(f"http://127.0.0.1:{port}{args.path}", token, seconds=args.seconds,
                              connections=args.connections) for name, port in targets.items()}
        conns = 16
        # "Half load", two readings: half of what the service takes directly (strict: 80% or more of what the
        # gateway itself can take on this 2-core machine), and half of the gateway's own capacity.
        loads = {"half of direct": full["direct"]["rps"] / 2, "half of gateway": full["gateway"]["rps"] / 2}
        half = {label: {name: run_wrk(f"http://127.0.0.1:{port}{args.path}", token, seconds=args.seconds,
                                      connections=conns, delay_ms=conns * 1000.0 / rate)
                        for name, port in targets.items()} for label, rate in loads.items()}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)
    print(f"\nGET {args.path}  ({os.cpu_count()} cores, wrk -t1 -c{args.connections}, {args.seconds}s per row)\n")
    print(f"full load  {'req/s':>10}{'ratio':>8}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}")
    for name in targets:
        f = full[name]
        print(f"{name:<10} {f['rps']:>10,.0f}{f['rps'] / full['direct']['rps']:>8.2f}{f['p50']:>9.2f}"
              f"{f['p99']:>9.2f}{f['non2xx']:>9}")
    for label, rate in loads.items():
        print(f"\n{label} (~{rate:,.0f} req/s offered): {'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}")
        for name in targets:
            h = half[label][name]
            print(f"  {name:<36}{h['rps']:>8,.0f}{h['p50']:>9.2f}{h['p99']:>9.2f}")
    ratio = full["gateway"]["rps"] / full["direct"]["rps"]
    print(f"\ngateway/direct throughput: {ratio:.2f}x (target >= 0.50x)")
    for label in loads:
        added = half[label]["gateway"]["p99"] - half[label]["direct"]["p99"]
        print(f"added p99 at {label}: {added:.2f} ms (target <= 5 ms)")
    if "nginx" in full:
        print(f"gateway/nginx throughput: {full['gateway']['rps'] / full['nginx']['rps']:.2f}x")


if __name__ == "__main__":
    main()
