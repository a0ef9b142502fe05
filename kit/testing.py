"""Test helpers shared by every service's tests: backends (SQLite + in-memory bus, or PostgreSQL + RabbitMQ),
tokens, and a running service. Integration backends skip with a visible reason when unreachable, and fail instead
when SENDPB_REQUIRE_SERVICES=1 (CI)."""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from kit.auth import DEV_KID, TokenIssuer, dev_private_key_pem
from kit.bus import Bus
from kit.bus.memory import MemoryBus
from kit.settings import PlatformSettings

PG_ADMIN_DSN = os.environ.get("SENDPB_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_BASE = os.environ.get("SENDPB_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
RUN_ID = f"t{os.getpid()}_{uuid.uuid4().hex[:6]}"

LA = "E06000060"        # Buckinghamshire
LA2 = "E06000049"       # Cheshire East
OTHER_LA = "E08000018"  # Rotherham


def require_services() -> bool:
    return os.environ.get("SENDPB_REQUIRE_SERVICES") == "1"


def unavailable(reason: str) -> None:
    """Skip with the reason, or fail when the run requires the real services."""
    if require_services():
        pytest.fail(f"SENDPB_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


_issuer = TokenIssuer(dev_private_key_pem(), kid=DEV_KID, issuer="sendpb-gateway", audience="sendpb")


def token(*scopes: str, las: Sequence[str] = (LA,), client_id: str = "test-client", **kw: Any) -> str:
    return _issuer.issue(client_id=client_id, scopes=list(scopes or ("read",)), las=list(las), **kw)


def auth(*scopes: str, las: Sequence[str] = (LA,), client_id: str = "test-client") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(*scopes, las=las, client_id=client_id)}"}


# ---------------------------------------------------------------- PostgreSQL and RabbitMQ for this test run
_state: dict[str, Any] = {"dbs": set(), "vhost": None, "vhosts": set(), "checked": {}}


async def _pg_connect():
    import asyncpg

    return await asyncpg.connect(PG_ADMIN_DSN, timeout=3)


async def postgres_reason() -> str | None:
    """None when PostgreSQL answers, else why not."""
    if "pg" not in _state["checked"]:
        try:
            conn = await _pg_connect()
            await conn.close()
            _state["checked"]["pg"] = None
        except Exception as exc:  # noqa: BLE001
            _state["checked"]["pg"] = f"PostgreSQL unreachable at {PG_ADMIN_DSN}: {type(exc).__name__}: {exc}"
    return _state["checked"]["pg"]


def pg_url(database: str) -> str:
    """The SQLAlchemy (asyncpg) URL of a database on the test server."""
    return PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + database


async def ensure_database(name: str) -> str:
    """Create (once per run) a database and return its asyncpg SQLAlchemy URL."""
    if name not in _state["dbs"]:
        conn = await _pg_connect()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        _state["dbs"].add(name)
    return pg_url(name)


def rabbitmqctl(*args: str) -> str:
    """Run ``rabbitmqctl -q`` (blocking: call it through ``asyncio.to_thread``); its standard output."""
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60,
                          text=True).stdout


async def rabbit_url() -> str:
    """A vhost of its own for this test run, so parallel runs never share queues."""
    if "amqp" not in _state["checked"]:
        reason = None
        try:
            import aio_pika

            conn = await aio_pika.connect(AMQP_BASE, timeout=3)
            await conn.close()
        except Exception as exc:  # noqa: BLE001
            reason = f"RabbitMQ unreachable at {AMQP_BASE}: {type(exc).__name__}: {exc}"
        if reason is None and shutil.which("rabbitmqctl"):
            try:
                vhost = f"sendpb_{RUN_ID}"
                await asyncio.to_thread(rabbitmqctl, "add_vhost", vhost)
                await asyncio.to_thread(rabbitmqctl, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
                _state["vhost"] = vhost
            except Exception as exc:  # noqa: BLE001
                reason = f"could not create a RabbitMQ vhost for the test run: {exc}"
        _state["checked"]["amqp"] = reason
    if _state["checked"]["amqp"]:
        unavailable(_state["checked"]["amqp"])
    return AMQP_BASE.rstrip("/") + "/" + (_state["vhost"] or "")


async def own_vhost(name: str) -> str:
    """A further vhost of this test run (``sendpb_<RUN_ID>_<name>``, removed by ``cleanup``), for tests that
    close every connection of their vhost; its AMQP URL."""
    base = await rabbit_url()
    if _state["vhost"] is None:
        unavailable("rabbitmqctl is needed to give the test a vhost of its own")
    vhost = f"sendpb_{RUN_ID}_{name}"
    if vhost not in _state["vhosts"]:
        await asyncio.to_thread(rabbitmqctl, "add_vhost", vhost)
        await asyncio.to_thread(rabbitmqctl, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        _state["vhosts"].add(vhost)
    return base.rsplit("/", 1)[0] + "/" + vhost


async def cleanup() -> None:
    if _state["dbs"]:
        try:
            conn = await _pg_connect()
            for name in _state["dbs"]:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.close()
        except Exception:  # noqa: BLE001 - best effort
            pass
        _state["dbs"].clear()
    for vhost in _state["vhosts"]:
        await asyncio.to_thread(rabbitmqctl, "delete_vhost", vhost)
    _state["vhosts"].clear()
    if _state["vhost"]:
        await asyncio.to_thread(rabbitmqctl, "delete_vhost", _state["vhost"])
        _state["vhost"] = None


# ---------------------------------------------------------------- backends
@dataclass
class Backend:
    """Where a test's services keep their data and exchange events."""

    name: str                                   # "memory" or "real"
    data_dir: Path
    amqp_url: str | None = None
    buses: list[Bus] = field(default_factory=list)

    @property
    def real(self) -> bool:
        return self.name == "real"

    async def platform(self, *services: str, **overrides: Any) -> PlatformSettings:
        values: dict[str, Any] = {"mode": "dev", "data_dir": self.data_dir, "relay_poll_seconds": 0.2,
                                  "log_json": False}
        if self.real:
            for s in services:
                await ensure_database(f"sendpb_{RUN_ID}_{s}")
            values["database_url_template"] = pg_url(f"sendpb_{RUN_ID}_{{service}}")
            values["amqp_url"] = self.amqp_url
        values.update(overrides)
        return PlatformSettings(**values)

    async def bus(self, **kw: Any) -> Bus:
        if self.real:
            from kit.bus.rabbit import RabbitBus

            bus: Bus = RabbitBus(self.amqp_url, retry_delay=0.01, **kw)
        else:
            bus = MemoryBus(**kw)
        await bus.start()
        self.buses.append(bus)
        return bus

    async def close(self) -> None:
        for bus in self.buses:
            await bus.close()


async def make_backend(name: str, tmp_path: Path) -> Backend:
    if name == "memory":
        return Backend("memory", tmp_path)
    reason = await postgres_reason()
    if reason:
        unavailable(reason)
    return Backend("real", tmp_path, amqp_url=await rabbit_url())


@dataclass
class Running:
    client: httpx.AsyncClient
    app: Any

    @property
    def runtime(self):
        return self.app.state.runtime


@asynccontextmanager
async def running_service(create_app: Callable[..., Any], backend: Backend, *, service: str, bus: Bus | None = None,
                          settings: Any = None, **platform_overrides: Any) -> AsyncIterator[Running]:
    """Start one service (migrations, consumers, relay) on the backend and give an httpx client to it."""
    platform = await backend.platform(service, **platform_overrides)
    bus = bus or await backend.bus(max_attempts=platform.consumer_max_attempts)
    app = create_app(platform, settings=settings, bus=bus, manage_runtime=False)
    runtime = app.state.runtime
    await runtime.start()
    runtime.start_relay()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            yield Running(client, app)
    finally:
        await runtime.stop()


async def eventually(check: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll an (async) check until it returns something truthy; fail with the last value after ``timeout``."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while True:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")
        await asyncio.sleep(interval)
