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
# Six Python processes importing the platform and migrating their databases at once: on a shared 2-core machine
# busy with other work that took from 13 s to over 30 s.
READY_SECONDS = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServiceProcess:
    """One component (``sendpb serve --target <target>``) in a process of its own, which can be killed and
    started again, with other settings (e.g. a fault to inject); its output goes to ``<log_dir>/<name>.log`` (the
    name is the target's unless given: a second replica of a target needs its own)."""

    def __init__(self, target: str, port: int, env: dict[str, str], log_dir: Path, *, name: str | None = None) -> None:
        self.target, self.port, self.env, self.log_dir = target, port, env, log_dir
        self.name = name or target
        self.popen: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self, extra_env: dict[str, str] | None = None) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{self.name}.log", "ab")  # noqa: SIM115 - the child keeps its own copy
        self.popen = subprocess.Popen([sys.executable, "-m", "sendpb.cli", "serve", "--target", self.target,
                                       "--port", str(self.port)], env={**self.env, **(extra_env or {})},
                                      cwd=ROOT, stdout=log, stderr=log)
        log.close()

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    async def ready(self, timeout: float = 60) -> None:
        """Wait until the process answers /readyz with 200 and nothing degraded (database and broker reachable)."""
        async with httpx.AsyncClient(timeout=5) as own:
            deadline = asyncio.get_running_loop().time() + timeout
            while asyncio.get_running_loop().time() < deadline:
                if not self.running:
                    raise AssertionError(f"{self.name} exited with {self.popen.returncode}; "
                                         f"see {self.log_dir / self.name}.log")
                try:
                    r = await own.get(f"{self.url}/readyz")
                    if r.status_code == 200 and "degraded" not in r.json():  # ready, and its broker connected
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"{self.name} did not become ready in {timeout}s; see {self.log_dir}")

    async def exited(self, timeout: float) -> int | None:
        """The process's exit status once it has ended (negative: the signal that ended it), or None."""
        try:
            return await asyncio.to_thread(self.popen.wait, timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


def service_env(amqp_url: str, database_template: str, **extra: str) -> dict[str, str]:
    """The environment of a service process on the test run's PostgreSQL and RabbitMQ."""
    return {**os.environ, "SENDPB_MODE": "dev", "SENDPB_AMQP_URL": amqp_url, "SENDPB_LOG_LEVEL": "WARNING",
            "SENDPB_DATABASE_URL_TEMPLATE": database_template, "SENDPB_RELAY_POLL_SECONDS": "0.2", **extra}


@asynccontextmanager
async def distributed_platform(log_dir: Path, *, extra_env: dict[str, str] | None = None):
    reason = await postgres_reason()
    if reason:
        unavailable(reason)
    amqp = await rabbit_url()
    for c in SERVICES:
        await ensure_database(f"sendpb_{RUN_ID}_dist_{c.name}")
    env = service_env(amqp, pg_url(f"sendpb_{RUN_ID}_dist_{{service}}"), **(extra_env or {}))
    ports = {c.name: free_port() for c in SERVICES}
    gateway_port = free_port()
    env["SENDPB_GATEWAY_UPSTREAMS"] = json.dumps({c.prefix: f"http://127.0.0.1:{ports[c.name]}" for c in SERVICES})
    processes = [ServiceProcess(c.name, ports[c.name], env, log_dir) for c in SERVICES]
    processes.append(ServiceProcess("gateway", gateway_port, env, log_dir))
    try:
        for p in processes:
            p.start()
        base = f"http://127.0.0.1:{gateway_port}"
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            deadline = asyncio.get_running_loop().time() + READY_SECONDS
            while asyncio.get_running_loop().time() < deadline:
                try:
                    r = await client.get("/readyz")
                    if r.status_code == 200 and "degraded" not in r.json():  # the gateway and every service
                        break
                except httpx.HTTPError:
                    pass
                if any(not p.running for p in processes):
                    break
                await asyncio.sleep(0.2)
            else:
                raise AssertionError(f"the distributed platform did not become ready; logs in {log_dir}")
            dead = [p.target for p in processes if not p.running]
            assert not dead, f"processes exited: {dead}; logs in {log_dir}"
            yield client, ports, [p.popen for p in processes]
    finally:
        for p in processes:
            p.stop()
