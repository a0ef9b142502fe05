"""The outages of the fault loops do what they say and always end: while one lasts, our database or vhost refuses
connections; afterwards, even when the test fails in the middle of it, both accept them again. The real restarts
(SENDPB_FAULT_REAL_RESTARTS=1) are checked for the commands they would run, without running them."""
from __future__ import annotations

import aio_pika
import asyncpg
import pytest

from kit.testing import RUN_ID, ensure_database, own_vhost, pg_url, postgres_reason, unavailable
from tests.faults import outages

pytestmark = pytest.mark.integration


class Broke(Exception):
    pass


async def refused(connect) -> bool:
    try:
        conn = await connect()
    except Exception:  # noqa: BLE001 - refused, which is the point
        return True
    await conn.close()
    return False


@pytest.fixture
async def database():
    reason = await postgres_reason()
    if reason:
        unavailable(reason)
    name = f"sendpb_{RUN_ID}_outage"
    await ensure_database(name)
    return name, lambda: asyncpg.connect(pg_url(name).replace("+asyncpg", ""), timeout=3)


async def test_a_simulated_postgresql_restart_refuses_our_database_then_lets_it_in_again(database):
    name, connect = database
    kept = await connect()
    seen = []

    async def meanwhile():
        seen.append(await refused(connect))
        raise Broke("the test failed during the outage")

    with pytest.raises(Broke):
        await outages.postgres_outage([name], 0.1, during=meanwhile, real=False)
    assert seen == [True] and kept.is_closed()
    assert not await refused(connect)


async def test_a_simulated_rabbitmq_restart_refuses_our_vhost_then_lets_it_in_again():
    url = await own_vhost("outage")
    kept = await aio_pika.connect(url, timeout=3)
    seen = []

    async def meanwhile():
        seen.append(await refused(lambda: aio_pika.connect(url, timeout=3)))
        raise Broke("the test failed during the outage")

    with pytest.raises(Broke):
        await outages.rabbitmq_outage(url.rsplit("/", 1)[1], 0.1, during=meanwhile, real=False)
    assert seen == [True] and await refused(kept.channel)  # the connection it had was closed
    assert not await refused(lambda: aio_pika.connect(url, timeout=3))


async def test_a_real_postgresql_restart_stops_the_cluster_and_always_starts_it_again(database, monkeypatch):
    commands = []
    monkeypatch.setattr(outages.subprocess, "run", lambda argv, **kw: commands.append(argv))
    monkeypatch.setattr(outages, "_cluster", lambda: ["15", "main"])

    async def meanwhile():
        raise Broke("the test failed during the outage")

    with pytest.raises(Broke):
        await outages.postgres_outage([database[0]], 0.1, during=meanwhile, real=True)
    assert commands == [["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "stop"],
                        ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "start"]]


async def test_a_real_rabbitmq_restart_stops_the_broker_and_always_starts_it_again(monkeypatch):
    await own_vhost("outage")  # RabbitMQ and rabbitmqctl are there
    commands = []

    def rabbitmqctl(*args):
        commands.append(args)
        return ""

    monkeypatch.setattr(outages, "rabbitmqctl", rabbitmqctl)

    async def meanwhile():
        raise Broke("the test failed during the outage")

    with pytest.raises(Broke):
        await outages.rabbitmq_outage("any", 0.1, during=meanwhile, real=True)
    assert commands == [("list_connections", "pid"), ("stop_app",), ("start_app",)]
