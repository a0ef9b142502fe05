"""Found by the PostgreSQL-restart loop: a consumer whose database is away must wait for it, not dead-letter what it
is given. Before the fix, every event in flight during a restart of a second or two was retried five times in
half a second and dead-lettered with "database ... is not currently accepting connections" (some of them applied
all the same, by the copy a relay cut off between publish and mark sent again). Both buses."""
from __future__ import annotations

import uuid

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from kit.bus import Outgoing, transient
from kit.testing import eventually


def away(error: Exception, **kw) -> DBAPIError:
    return DBAPIError("SELECT 1", None, error, **kw)


@pytest.mark.parametrize("error, expected", [
    (ConnectionRefusedError(111, "Connection refused"), True),
    (away(asyncpg.exceptions.ObjectNotInPrerequisiteStateError(
        'database "sendpb_budget" is not currently accepting connections')), True),
    (away(asyncpg.exceptions.CannotConnectNowError("the database system is starting up")), True),
    (away(asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command")), True),
    (away(asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already")), True),
    (away(asyncpg.exceptions.InterfaceError("connection is closed"), connection_invalidated=True), True),
    (asyncpg.exceptions.InternalClientError("cannot switch to state 21; another operation (2) is in progress"),
     True),
    (away(asyncpg.exceptions.InterfaceError("cannot perform operation: another operation is in progress")), True),
    (IntegrityError("INSERT", None, asyncpg.exceptions.UniqueViolationError("duplicate key")), False),
    (away(asyncpg.exceptions.ObjectNotInPrerequisiteStateError("cannot refresh materialized view")), False),
    (ValueError("an event for a budget this service does not hold"), False),
], ids=["refused", "not-accepting", "starting-up", "terminated", "too-many", "closed", "stuck-copy", "stuck",
        "unique", "55000-other",
        "value-error"])
def test_only_a_database_or_connection_that_is_away_counts_as_transient(error, expected):
    assert transient(error) is expected


async def _consume(backend, failures: list[Exception], **bus_options):
    """A consumer whose handler fails with ``failures`` in turn and then succeeds; its calls and the bus."""
    bus = await backend.bus(max_attempts=2, **bus_options)
    consumer, key, calls = f"transient-{uuid.uuid4().hex[:8]}", f"faults.transient{uuid.uuid4().hex[:8]}.v1", []

    async def handler(body: bytes) -> None:
        calls.append(body)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]

    await bus.subscribe(consumer, [key], handler)
    await bus.publish([Outgoing(key, b'{"n": 1}', uuid.uuid4().hex)])
    return bus, consumer, calls


async def test_a_consumer_whose_database_is_away_waits_for_it_and_applies_the_message(backend):
    restart = [away(asyncpg.exceptions.CannotConnectNowError("the database system is starting up"))] * 6
    bus, consumer, calls = await _consume(backend, restart)
    await eventually(lambda: len(calls) == 7)
    assert await bus.take_dead_letters(consumer) == []


async def test_any_other_failure_is_still_dead_lettered_after_its_attempts_with_its_reason(backend):
    bus, consumer, calls = await _consume(backend, [ValueError("no such budget")] * 6)
    [letter] = await eventually(lambda: bus.take_dead_letters(consumer))
    assert (letter.attempts, letter.reason, len(calls)) == (2, "ValueError: no such budget", 2)


async def test_a_database_away_for_longer_than_the_patience_counts_as_an_attempt(backend):
    restart = [away(asyncpg.exceptions.CannotConnectNowError("the database system is starting up"))] * 100
    bus, consumer, calls = await _consume(backend, restart, transient_patience=0.05)
    [letter] = await eventually(lambda: bus.take_dead_letters(consumer))
    assert letter.attempts == 2 and "starting up" in letter.reason
