"""Starts the platform distributed: each service and the gateway its own process, on PostgreSQL (a database each)
and RabbitMQ (the test run's vhost). Used by the distributed tests and benchmarks."""
from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from kit.testing import RUN_ID, ensure_database, pg_url, postgres_reason, rabbit_url, unavailable
from sendpb.runner import SERVICES

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def distributed_platform(log_dir: Path, *, extra_env: dict[str, str] | None = None):
    reason = await postgres_reason()
    if reason:
        unavailable(reason)
    amqp = await rabbit_url()
    for c in SERVICES:
        await ensure_database(f"sendpb_{RUN_ID}_dist_{c.name}")
    env = {**os.environ, "SENDPB_MODE": "dev", "SENDPB_AMQP_URL": amqp, "SENDPB_LOG_LEVEL": "WARNING",
           "SENDPB_DATABASE_URL_TEMPLATE": pg_url(f"sendpb_{RUN_ID}_dist_{{service}}"),
           "SENDPB_RELAY_POLL_SECONDS": "0.2", **(extra_env or {})}
    ports = {c.name: free_port() for c in SERVICES}
    gateway_port = free_port()
    env["SENDPB_GATEWAY_UPSTREAMS"] = json.dumps({c.prefix: f"http://127.0.0.1:{ports[c.name]}" for c in SERVICES})
    procs: list[subprocess.Popen] = []
    log_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, before any process starts

    def start(target: str, port: int) -> None:
        log = open(log_dir / f"{target}.log", "wb")  # noqa: SIM115 - closed with the process
        procs.append(subprocess.Popen([sys.executable, "-m", "sendpb.cli", "serve", "--target", target,
                                       "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=log))

    try:
        for c in SERVICES:
            start(c.name, ports[c.name])
        start("gateway", gateway_port)
        base = f"http://127.0.0.1:{gateway_port}"
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            for _ in range(150):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if any(p.poll() is not None for p in procs):
                    break
                await asyncio.sleep(0.2)
            else:
                raise AssertionError(f"the distributed platform did not become ready; logs in {log_dir}")
            dead = [p.args[5] for p in procs if p.poll() is not None]
            assert not dead, f"processes exited: {dead}; logs in {log_dir}"
            yield client, ports, procs
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
