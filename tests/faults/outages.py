"""PostgreSQL and RabbitMQ going away for a moment, for the fault loops.

Other people's tests use the same servers at the same time, so by default a "restart" touches only this run's own
resources: PostgreSQL refuses new connections to our databases (``ALLOW_CONNECTIONS false``) and terminates their
backends; RabbitMQ refuses new connections to our vhost (``max-connections`` 0) and closes the ones it has. To the
services this looks like a server restart: every connection drops, and reconnecting fails until it comes back.

With ``SENDPB_FAULT_REAL_RESTARTS=1`` (the long form, on a machine of one's own) the servers themselves stop and
start (``pg_ctlcluster``, ``rabbitmqctl stop_app``/``start_app``). Either way both are running again when an outage
returns, even when it fails."""
from __future__ import annotations

import asyncio
import os
import re
import subprocess
from collections.abc import Awaitable, Callable

import aio_pika
import asyncpg

from kit.testing import AMQP_BASE, PG_ADMIN_DSN, rabbitmqctl

REAL = os.environ.get("SENDPB_FAULT_REAL_RESTARTS") == "1"
During = Callable[[], Awaitable[None]] | None


async def _meanwhile(during: During, seconds: float) -> None:
    """What the test looks at while the server is away, then the rest of the outage."""
    started = asyncio.get_running_loop().time()
    if during is not None:
        await during()
    await asyncio.sleep(max(0.0, seconds - (asyncio.get_running_loop().time() - started)))


async def postgres_outage(databases: list[str], seconds: float, *, during: During = None, real: bool = REAL) -> int:
    """PostgreSQL away for ``seconds`` (``during`` runs while it is); how many server connections were cut."""
    if real:
        return await _restart_postgres(seconds, during)
    admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        try:
            for name in databases:
                await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            cut = await admin.fetchval("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                                       "FROM pg_stat_activity WHERE datname = ANY($1::text[])", databases)
            await _meanwhile(during, seconds)
        finally:
            for name in databases:
                await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    finally:
        await admin.close()
    return cut


async def rabbitmq_outage(vhost: str, seconds: float, *, during: During = None, real: bool = REAL) -> int:
    """RabbitMQ away for ``seconds`` (``during`` runs while it is); how many connections were closed."""
    if real:
        return await _restart_rabbitmq(seconds, during)
    await asyncio.to_thread(rabbitmqctl, "set_vhost_limits", "-p", vhost, '{"max-connections": 0}')
    try:
        said = await asyncio.to_thread(rabbitmqctl, "close_all_connections", "-p", vhost, "fault loop: restart")
        await _meanwhile(during, seconds)
    finally:
        await asyncio.to_thread(rabbitmqctl, "clear_vhost_limits", "-p", vhost)
    found = re.search(r"Closed (\d+) connection", said)
    return int(found.group(1)) if found else 0


def _cluster() -> list[str]:
    return [sorted(os.listdir("/etc/postgresql"))[-1], "main"]


async def _restart_postgres(seconds: float, during: During) -> int:
    admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        connected = await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                                         "'client backend'")
    finally:
        await admin.close()
    pg_ctlcluster = ["pg_ctlcluster", "--skip-systemctl-redirect", *_cluster()]
    try:
        await asyncio.to_thread(subprocess.run, [*pg_ctlcluster, "stop"], check=True, timeout=120)
        await _meanwhile(during, seconds)
    finally:
        await asyncio.to_thread(subprocess.run, [*pg_ctlcluster, "start"], timeout=120)
        await _answers(lambda: asyncpg.connect(PG_ADMIN_DSN, timeout=2), "PostgreSQL")
    return connected


async def _restart_rabbitmq(seconds: float, during: During) -> int:
    listed = await asyncio.to_thread(rabbitmqctl, "list_connections", "pid")
    try:
        await asyncio.to_thread(rabbitmqctl, "stop_app")
        await _meanwhile(during, seconds)
    finally:
        await asyncio.to_thread(rabbitmqctl, "start_app")
        await _answers(lambda: aio_pika.connect(AMQP_BASE, timeout=2), "RabbitMQ")
    return len([line for line in listed.splitlines() if line.startswith("<")])


async def _answers(connect, what: str, timeout: float = 120) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            conn = await connect()
            await conn.close()
            return
        except Exception:  # noqa: BLE001 - not up yet
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{what} did not come back within {timeout}s") from None
            await asyncio.sleep(0.5)
