"""Issue 21: the pool checks a connection at checkout without a round trip (kit.db.replace_if_closed, in place of
SQLAlchemy's pre-ping). A pooled connection the server closed (as a restart does) is replaced at the next checkout
and the request succeeds; without the check the request would be handed the dead connection, which is then a 503
with Retry-After, never a 500."""
import asyncio

import asyncpg
import pytest
from sqlalchemy import event

from kit.db import Database, Pool, replace_if_closed
from kit.testing import PG_ADMIN_DSN
from tests.load.test_database_overload import Service, assert_busy

pytestmark = pytest.mark.integration


class Pooled:
    """A pool of one connection, so the next request is handed the very connection the server closed; ``idle`` is
    the asyncpg connection last returned to it."""

    def __init__(self, url: str) -> None:
        self.db = Database(url, pool=Pool(size=1, max_overflow=0))
        self.idle: asyncpg.Connection | None = None
        event.listen(self.db.engine.sync_engine, "checkin", self._returned)

    def _returned(self, dbapi_conn, _record) -> None:
        if dbapi_conn is not None:  # None: SQLAlchemy invalidated it, nothing goes back to the pool
            self.idle = dbapi_conn.driver_connection

    async def server_closes_the_idle_connection(self, pid: int) -> None:
        """Terminate its backend, as a restart does, and let the event loop read the server's end of it."""
        admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        for _ in range(1000):  # the loop reads it within a few turns; bounded, and nothing timed is asserted
            if self.idle.is_closed():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("asyncpg never saw the server close the connection")


@pytest.fixture
async def pooled(url):
    pooled = Pooled(url)
    yield pooled
    await pooled.db.dispose()


async def test_a_pooled_connection_the_server_closed_is_replaced_at_checkout_and_the_request_succeeds(pooled):
    async with Service(pooled.db).client() as client:
        first = (await client.get("/pid")).json()["pid"]
        await pooled.server_closes_the_idle_connection(first)

        response = await client.get("/pid")

        assert response.status_code == 200, response.text
        assert response.json()["pid"] != first  # a fresh server connection served it


async def test_without_the_check_the_request_is_handed_the_dead_connection_and_answers_503_not_500(pooled):
    event.remove(pooled.db.engine.sync_engine, "checkout", replace_if_closed)
    async with Service(pooled.db).client() as client:
        first = (await client.get("/pid")).json()["pid"]
        await pooled.server_closes_the_idle_connection(first)

        assert_busy(await client.get("/pid"), "connection was lost")  # a connection dying in use: 503
        assert (await client.get("/pid")).json()["pid"] != first  # SQLAlchemy invalidated it: the next is fresh
