"""The outbox, relay, inbox and bus, on SQLite + in-memory bus and on PostgreSQL + RabbitMQ."""
import asyncio

from kit.bus import Outgoing
from kit.outbox import OutboxRelay
from kit.testing import LA, auth, eventually, running_service
from tests.kit.probe.app import ATTEMPTS, PUBLISHERS, create_app

CASEWORK = auth("casework")


async def seen(client) -> dict[str, str]:
    return (await client.get("/v1/probe/seen", headers=CASEWORK)).json()


async def test_the_relay_delivers_what_committed_and_nothing_that_rolled_back(backend):
    async with running_service(create_app, backend, service="probe") as svc:
        kept = await svc.client.post("/v1/probe/notes", json={"local_authority": LA, "text": "kept"},
                                     headers=CASEWORK)
        refused = await svc.client.post("/v1/probe/notes", json={"local_authority": LA,
                                                                 "text": "explode-after-write"}, headers=CASEWORK)
        assert kept.status_code == 201
        assert refused.status_code == 409 and refused.json()["rule"] == "TEST-01"
        await eventually(lambda: _contains(svc.client, kept.json()["id"]))
        await asyncio.sleep(0.3)
        # Every request that rolled back, in this test or any other, left no event behind.
        assert "explode-after-write" not in (await seen(svc.client)).values()
        assert await svc.runtime.relay.pending() == 0


async def _contains(client, note_id):
    return note_id in await seen(client)


async def test_a_relay_killed_between_publish_and_mark_publishes_again_and_the_inbox_drops_the_duplicate(backend):
    bus = await backend.bus()
    deliveries: list[bytes] = []

    async def tap(body: bytes) -> None:
        deliveries.append(body)

    await bus.subscribe("probe-tap", ["probe.#"], tap)
    async with running_service(create_app, backend, service="probe", bus=bus) as svc:
        relay: OutboxRelay = svc.runtime.relay
        await relay.stop()  # drive the relay by hand

        async def crash():
            raise ConnectionResetError("relay process died before marking rows sent")

        relay.after_publish = crash
        created = await svc.client.post("/v1/probe/notes", json={"local_authority": LA, "text": "twice"},
                                        headers=CASEWORK)
        note_id = created.json()["id"]
        try:
            await relay.relay_once()
            raise AssertionError("the injected crash did not happen")
        except ConnectionResetError:
            pass
        assert await relay.pending() == 1, "the row must stay unsent after a crash"
        relay.after_publish = None
        assert await relay.relay_once() == 1
        assert await relay.pending() == 0
        await eventually(lambda: len([d for d in deliveries if note_id.encode() in d]) == 2)
        await eventually(lambda: _contains(svc.client, note_id))
        await asyncio.sleep(0.3)
        assert ATTEMPTS[note_id] == 1, "the duplicate delivery must not reach the handler"


async def test_a_failing_handler_is_retried_then_dead_lettered_with_its_reason(backend):
    async with running_service(create_app, backend, service="probe", consumer_max_attempts=3) as svc:
        flaky = await svc.client.post("/v1/probe/notes", json={"local_authority": LA, "text": "flaky-once"},
                                      headers=CASEWORK)
        poison = await svc.client.post("/v1/probe/notes", json={"local_authority": LA, "text": "poison-pill"},
                                       headers=CASEWORK)
        await eventually(lambda: _contains(svc.client, flaky.json()["id"]))
        assert ATTEMPTS[flaky.json()["id"]] >= 3, "it failed twice, then applied"

        letters = []

        async def dead():
            letters.extend(await svc.runtime.bus.take_dead_letters("probe"))
            return letters

        await eventually(dead)
        assert len(letters) == 1
        assert poison.json()["id"].encode() in letters[0].body
        assert letters[0].attempts == 3
        assert "cannot digest this note" in letters[0].reason
        assert letters[0].routing_key == "probe.note_created.v1"
        # Three deliveries; a delivery that shared a failed batch is also tried on its own.
        assert ATTEMPTS[poison.json()["id"]] >= 3
        assert poison.json()["id"] not in await seen(svc.client)


async def test_who_published_a_message_reaches_its_handler_through_retries_dead_letters_and_replays(backend):
    """The validated AMQP user_id names the publisher (RabbitMQ's guest here). The platform's own copies of the
    message (a retry, a dead letter, a replay) are published by the platform, which cannot set another's user_id:
    they carry it in x-original-user-id, and the handler is told the same publisher each time."""
    import uuid

    from kit.events import Envelope

    flaky, anonymous_id = str(uuid.uuid4()), str(uuid.uuid4())  # ATTEMPTS and PUBLISHERS outlive one backend
    async with running_service(create_app, backend, service="probe", consumer_max_attempts=2) as svc:
        event = Envelope(type="probe.note_created.v1", producer="probe", local_authority=LA,
                         payload={"note_id": flaky, "text": "flaky-publisher"})
        await svc.runtime.bus.publish([Outgoing(event.type, event.to_bytes(), str(event.event_id),
                                                user_id="guest")])
        # It fails twice (a retry copy, then the dead letter); replayed, its third delivery applies.
        await eventually(lambda: _replayed_one(svc))
        await eventually(lambda: _contains(svc.client, flaky))
        assert PUBLISHERS[flaky] == ["guest", "guest", "guest"]

        anonymous = Envelope(type="probe.note_created.v1", producer="probe", local_authority=LA,
                             payload={"note_id": anonymous_id, "text": "who sent this?"})
        await svc.runtime.bus.publish([Outgoing(anonymous.type, anonymous.to_bytes(), str(anonymous.event_id))])
        await eventually(lambda: _contains(svc.client, anonymous_id))
        assert PUBLISHERS[anonymous_id] == [None]


async def _replayed_one(svc) -> bool:
    return await svc.runtime.bus.replay_dead_letters("probe") == 1


async def test_a_message_that_is_not_an_envelope_is_dead_lettered_at_once(backend):
    async with running_service(create_app, backend, service="probe") as svc:
        await svc.runtime.bus.publish([Outgoing("probe.note_created.v1", b"{not json", "m-1")])
        letters = await eventually(lambda: svc.runtime.bus.take_dead_letters("probe"))
        assert letters[0].attempts == 1
        assert "not a valid event envelope" in letters[0].reason


async def test_an_event_with_a_nul_character_is_dead_lettered_at_once(backend):
    """PostgreSQL cannot store NUL in text, so such an event could never be applied there: it is dead-lettered at
    its first delivery, on every backend alike, rather than retried against the database."""
    from kit.events import Envelope

    async with running_service(create_app, backend, service="probe") as svc:
        event = Envelope(type="probe.note_created.v1", producer="probe", local_authority=LA,
                         payload={"id": "n\x00ul", "text": "x"})
        await svc.runtime.bus.publish([Outgoing(event.type, event.to_bytes(), str(event.event_id))])
        [letter] = await eventually(lambda: svc.runtime.bus.take_dead_letters("probe"))
        assert letter.attempts == 1 and "NUL character" in letter.reason


async def test_taking_dead_letters_removes_each_only_after_its_caller_saw_it(backend):
    """`sendpb dead-letters take` prints each letter as it is taken: a letter whose printing fails stays in the
    queue (it once acknowledged them all first, then failed on a body that was not UTF-8, losing every one)."""
    async with running_service(create_app, backend, service="probe") as svc:
        bus = svc.runtime.bus
        await bus.publish([Outgoing("probe.note_created.v1", b"\xff\xfe not utf-8", "m-1")])
        await eventually(lambda: _dead_letters_are(svc, 1))

        def refuse(letter) -> None:
            letter.body.decode()  # strict: raises on this body

        try:
            await bus.take_dead_letters("probe", on_letter=refuse)
            raise AssertionError("the callback's error must reach the caller")
        except UnicodeDecodeError:
            pass
        shown: list[str] = []
        taken = await eventually(lambda: bus.take_dead_letters(
            "probe", on_letter=lambda dl: shown.append(dl.body.decode(errors="replace"))))
        assert [t.body for t in taken] == [b"\xff\xfe not utf-8"] and shown == ["\ufffd\ufffd not utf-8"]


async def _dead_letters_are(svc, n: int) -> bool:
    letters: list = []

    def look(letter) -> None:
        letters.append(letter)
        raise LookupError("only looking")

    try:
        await svc.runtime.bus.take_dead_letters("probe", on_letter=look)
    except LookupError:
        pass
    return len(letters) == n


async def test_replaying_a_dead_letter_delivers_it_again(backend):
    async with running_service(create_app, backend, service="probe", consumer_max_attempts=1) as svc:
        created = await svc.client.post("/v1/probe/notes", json={"local_authority": LA, "text": "flaky-replay"},
                                        headers=CASEWORK)
        note_id = created.json()["id"]

        async def one_dead_letter():
            # The handler fails until its third attempt; each replay is one more attempt.
            return await svc.runtime.bus.replay_dead_letters("probe") == 1

        await eventually(one_dead_letter)
        await eventually(one_dead_letter)
        await eventually(lambda: _contains(svc.client, note_id))


async def test_an_event_carries_the_request_id_of_the_request_that_caused_it(memory_backend):
    from kit.events import Envelope

    bus = await memory_backend.bus()
    seen_envelopes: list[Envelope] = []

    async def tap(body: bytes) -> None:
        seen_envelopes.append(Envelope.from_bytes(body))

    await bus.subscribe("probe-tap", ["probe.note_created.v1"], tap)
    async with running_service(create_app, memory_backend, service="probe", bus=bus) as svc:
        await svc.client.post("/v1/probe/notes", json={"local_authority": LA, "text": "traced"},
                              headers={**CASEWORK, "X-Request-ID": "corr-42"})
        await eventually(lambda: seen_envelopes)
        assert seen_envelopes[0].correlation_id == "corr-42"
        assert seen_envelopes[0].producer == "probe" and seen_envelopes[0].local_authority == LA


def test_log_lines_are_json_with_the_request_id():
    import json
    import logging

    from kit.logs import JsonFormatter, request_id

    token = request_id.set("rid-7")
    try:
        record = logging.LogRecord("sendpb.test", logging.INFO, __file__, 1, "hello %s", ("world",), None)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["msg"] == "hello world" and line["request_id"] == "rid-7" and line["level"] == "INFO"


async def test_metrics_report_the_outbox_rows_still_to_publish(memory_backend):
    async with running_service(create_app, memory_backend, service="probe") as svc:
        await svc.runtime.relay.stop()  # nothing publishes: the row stays pending
        await svc.client.post("/v1/probe/notes", json={"local_authority": LA, "text": "unsent"}, headers=CASEWORK)
        text = (await svc.client.get("/metrics")).text
        assert 'sendpb_outbox_pending{service="probe"} 1.0' in text
        assert await svc.runtime.relay.relay_once() == 1
        text = (await svc.client.get("/metrics")).text
        assert 'sendpb_outbox_pending{service="probe"} 0.0' in text


async def test_a_lot_with_one_failing_message_applies_the_rest_once_and_leaves_nothing_unacknowledged(backend):
    """Deliveries are taken in lots and acknowledged with one ``multiple`` ack per lot (RabbitMQ): the failing
    message alone is retried and dead-lettered, each other message is applied exactly once, and once the consumer
    is gone not one delivery goes back to the queue (all were acknowledged, none twice)."""
    import uuid

    from kit.batching import Batcher

    applied: list[bytes] = []

    async def run_batch(bodies):
        if b"bad" in bodies:
            raise RuntimeError("one of these cannot be applied")
        applied.extend(bodies)

    async def run_one(body):
        if body == b"bad":
            raise RuntimeError("cannot apply bad")
        applied.append(body)

    bus = await backend.bus(max_attempts=3)
    consumer, key = f"lots-{uuid.uuid4().hex[:8]}", f"probe.lot{uuid.uuid4().hex[:8]}.v1"
    await bus.subscribe(consumer, [key], Batcher(run_batch, run_one, max_size=16))
    bodies = [f"m{i}".encode() for i in range(200)]
    bodies.insert(77, b"bad")
    await bus.publish([Outgoing(key, body, uuid.uuid4().hex) for body in bodies])

    [letter] = await eventually(lambda: bus.take_dead_letters(consumer))
    assert (letter.body, letter.attempts, letter.reason) == (b"bad", 3, "RuntimeError: cannot apply bad")
    await eventually(lambda: len(applied) >= 200)
    await asyncio.sleep(0.3)
    assert sorted(applied) == sorted(b for b in bodies if b != b"bad"), "each applied exactly once"
    if backend.real:
        await bus.close()  # unacknowledged deliveries would now go back to the queue
        import aio_pika

        from kit.bus.rabbit import queue_name

        conn = await aio_pika.connect(backend.amqp_url)
        try:
            queue = await (await conn.channel()).declare_queue(queue_name(consumer), passive=True)
            assert queue.declaration_result.message_count == 0
        finally:
            await conn.close()


async def kept(svc, event_ids) -> set[str]:
    from sqlalchemy import select

    from kit.tables import outbox

    async with svc.runtime.db.sessions() as session:
        return set((await session.execute(select(outbox.c.event_id).where(outbox.c.event_id.in_(event_ids))))
                   .scalars())


async def test_housekeeping_deletes_published_events_and_idempotency_keys_after_their_retention(backend):
    """docs/DATA.md: outbox rows hold event payloads (personal data) and Idempotency-Key rows the first responses;
    the purge-kit-tables job of every service deletes them after their period, never an event still to publish."""
    from datetime import timedelta

    from sqlalchemy import delete, insert, select

    from kit.events import utcnow
    from kit.tables import idempotency_keys, outbox

    async with running_service(create_app, backend, service="probe", outbox_retention_days=7,
                               idempotency_retention_days=30) as svc:
        await svc.runtime.relay.stop()  # rows stay as written here
        now = utcnow()
        async with svc.runtime.db.transaction() as session:
            await session.execute(insert(outbox), [
                {"event_id": name, "type": "probe.kept.v1", "body": b"{}", "created_at": now - timedelta(days=age),
                 "published_at": None if name.startswith("unsent") else now - timedelta(days=age)}
                for name, age in (("old", 8), ("recent", 6), ("unsent-old", 40))])
            await session.execute(insert(idempotency_keys), [
                {"client_id": client, "key": "k", "request_hash": "h", "status_code": 201, "response_body": "{}",
                 "created_at": now - timedelta(days=age)} for client, age in (("stale", 31), ("fresh", 29))])
        assert await svc.runtime.jobs.run_once("purge-kit-tables") == 2
        # (the service's database may hold other tests' recent rows: only these are looked at)
        events = {"old", "recent", "unsent-old", *(f"backlog-{i}" for i in range(7))}
        async with svc.runtime.db.sessions() as session:
            clients = set((await session.execute(select(idempotency_keys.c.client_id).where(
                idempotency_keys.c.client_id.in_(["stale", "fresh"])))).scalars())
        assert await kept(svc, events) == {"recent", "unsent-old"} and clients == {"fresh"}
        assert await svc.runtime.jobs.run_once("purge-kit-tables") == 0, "nothing more to do"

        # A backlog larger than one chunk is purged in short transactions, all of it.
        import kit.housekeeping

        kit.housekeeping.PURGE_CHUNK, chunk = 3, kit.housekeeping.PURGE_CHUNK
        try:
            async with svc.runtime.db.transaction() as session:
                await session.execute(insert(outbox), [
                    {"event_id": f"backlog-{i}", "type": "probe.kept.v1", "body": b"{}", "created_at": now,
                     "published_at": now - timedelta(days=9)} for i in range(7)])
            assert await svc.runtime.jobs.run_once("purge-kit-tables") == 7
            assert await kept(svc, events) == {"recent", "unsent-old"}
        finally:
            kit.housekeeping.PURGE_CHUNK = chunk
            async with svc.runtime.db.transaction() as session:  # nothing left for another test's relay to send
                await session.execute(delete(outbox).where(outbox.c.event_id.in_(events)))
                await session.execute(delete(idempotency_keys).where(idempotency_keys.c.client_id == "fresh"))


async def test_a_relay_stopped_while_publishing_finishes_its_batch_and_marks_it(memory_backend):
    """A shutdown (a deploy) lets the pass in flight finish: its rows are marked sent and not published again by
    the next process."""
    from kit.bus.memory import MemoryBus

    class SlowBus(MemoryBus):
        def __init__(self) -> None:
            super().__init__()
            self.publishing, self.batches = asyncio.Event(), 0

        async def publish(self, messages):
            self.publishing.set()
            await asyncio.sleep(0.3)
            await super().publish(messages)
            self.batches += 1

    bus = SlowBus()
    async with running_service(create_app, memory_backend, service="probe", bus=bus) as svc:
        created = await svc.client.post("/v1/probe/notes", json={"local_authority": LA, "text": "in flight"},
                                        headers=CASEWORK)
        assert created.status_code == 201
        await asyncio.wait_for(bus.publishing.wait(), 5)
        await svc.runtime.relay.stop()
        assert bus.batches == 1 and await svc.runtime.relay.pending() == 0


async def test_a_consumer_stopping_finishes_the_lot_it_is_applying_and_acknowledges_it(real_backend):
    """RabbitMQ: on shutdown the lot being applied is not cut off: it finishes and is acknowledged; what the
    consumer had not taken goes back to the queue. Nothing is applied twice or lost."""
    import uuid

    import aio_pika

    from kit.bus.rabbit import queue_name

    started, applied = asyncio.Event(), []

    async def slow(body: bytes) -> None:
        started.set()
        await asyncio.sleep(0.3)
        applied.append(body)

    bus = await real_backend.bus()
    consumer, key = f"stopping-{uuid.uuid4().hex[:8]}", f"probe.stop{uuid.uuid4().hex[:8]}.v1"
    await bus.subscribe(consumer, [key], slow)
    await bus.publish([Outgoing(key, f"m{i}".encode(), uuid.uuid4().hex) for i in range(5)])
    await asyncio.wait_for(started.wait(), 10)
    await bus.stop_consuming()
    assert applied, "the lot in flight finished"
    await bus.close()
    conn = await aio_pika.connect(real_backend.amqp_url)
    try:
        queue = await (await conn.channel()).declare_queue(queue_name(consumer), passive=True)
        assert queue.declaration_result.message_count == 5 - len(applied), "applied ones acknowledged, the rest back"
    finally:
        await conn.close()
