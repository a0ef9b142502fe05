"""Retention of the kit's own tables, in every service (docs/DATA.md): an outbox row is needed until it is published
and kept a while after for tracing; an Idempotency-Key answers retries for a while. Both hold personal data (event
payloads, first responses), so they are deleted after their period, by a job of every service (``kit_jobs``).

The inbox is kept: it holds only consumer names and event ids, and it is what makes a late redelivery harmless."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, tuple_

from kit.db import Database
from kit.events import utcnow
from kit.jobs import Job
from kit.tables import idempotency_keys, outbox

PURGE_CHUNK = 5_000  # rows per transaction: short transactions, whatever the backlog


async def purge_published_events(db: Database, *, older_than: timedelta) -> int:
    """Delete outbox rows published before ``older_than`` ago (never one still to publish); how many."""
    cutoff = utcnow() - older_than
    stale = (select(outbox.c.id).where(outbox.c.published_at.is_not(None), outbox.c.published_at < cutoff)
             .order_by(outbox.c.id).limit(PURGE_CHUNK))
    return await _in_chunks(db, lambda: delete(outbox).where(outbox.c.id.in_(stale.scalar_subquery())))


async def purge_idempotency_keys(db: Database, *, older_than: timedelta) -> int:
    """Delete Idempotency-Key records made before ``older_than`` ago: a retry after that is a new request."""
    cutoff = utcnow() - older_than
    stale = (select(idempotency_keys.c.client_id, idempotency_keys.c.key)
             .where(idempotency_keys.c.created_at < cutoff).limit(PURGE_CHUNK))
    return await _in_chunks(db, lambda: delete(idempotency_keys).where(
        tuple_(idempotency_keys.c.client_id, idempotency_keys.c.key).in_(stale)))


async def _in_chunks(db: Database, statement) -> int:
    total = 0
    while True:
        async with db.transaction(notify=False) as session:
            deleted = (await session.execute(statement())).rowcount
        total += deleted
        if deleted < PURGE_CHUNK:
            return total


def kit_jobs(*, outbox_days: int, idempotency_days: int, every_seconds: float) -> tuple[Job, ...]:
    async def purge(db: Database, _settings) -> int:
        return (await purge_published_events(db, older_than=timedelta(days=outbox_days))
                + await purge_idempotency_keys(db, older_than=timedelta(days=idempotency_days)))

    return (Job("purge-kit-tables", purge, every_seconds=every_seconds),)
