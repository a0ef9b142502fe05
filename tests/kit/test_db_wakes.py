"""The outbox relay is woken by a transaction that wrote events, not by every transaction that commits: a pass of
the relay takes a pooled connection from the requests, and most requests (reads) write no event."""
from __future__ import annotations

from kit.db import Database, bulk_insert
from kit.events import Envelope, utcnow
from kit.outbox import add_events
from kit.tables import KIT_METADATA, outbox
from kit.testing import LA, RUN_ID, ensure_database


async def _database(backend, tmp_path) -> Database:
    url = (await ensure_database(f"sendpb_{RUN_ID}_wakes") if backend.real
           else f"sqlite+aiosqlite:///{tmp_path}/wakes.db")
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(KIT_METADATA.drop_all)
        await conn.run_sync(KIT_METADATA.create_all)
    return db


def _event(n: int) -> Envelope:
    return Envelope(type="t.woken.v1", producer="test", local_authority=LA, payload={"n": n})


async def test_only_a_transaction_that_wrote_events_wakes_the_relay(backend, tmp_path):
    db = await _database(backend, tmp_path)
    woken, every = [], []
    db.on_commit(lambda: woken.append(1), inserted_into=outbox.name)
    db.on_commit(lambda: every.append(1))
    try:
        async with db.transaction() as session:
            await session.execute(outbox.select())
        async with db.transaction():
            pass
        assert woken == [] and every == [1, 1]
        async with db.transaction() as session:
            await add_events(session, [_event(1)])
        assert woken == [1]
        async with db.transaction() as session:  # the same pooled connection again: what it wrote before is gone
            await session.execute(outbox.select())
        assert woken == [1]
        async with db.transaction() as session:  # COPY on PostgreSQL, multi-row INSERTs on SQLite
            event = _event(2)
            await bulk_insert(session, outbox, ("event_id", "type", "body", "created_at"),
                              [(str(event.event_id), event.type, event.to_bytes(), utcnow())])
        assert woken == [1, 1] and every == [1, 1, 1, 1, 1]
    finally:
        await db.dispose()
