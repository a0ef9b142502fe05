from datetime import UTC, datetime

import pytest

from kit.auth import new_private_key_pem, public_key_pem
from kit.bus import topic_matches
from kit.errors import InvalidInput
from kit.pagination import decode_cursor, encode_cursor
from kit.settings import PlatformSettings


@pytest.mark.parametrize("pattern, key, expected", [
    ("budget.agreed.v1", "budget.agreed.v1", True),
    ("budget.*.v1", "budget.agreed.v1", True),
    ("budget.*", "budget.agreed.v1", False),
    ("budget.#", "budget.agreed.v1", True),
    ("#", "x", True),
    ("#.v1", "icb.health_funding.changed.v1", True),
    ("icb.#.v2", "icb.health_funding.changed.v1", False),
])
def test_topic_matching_follows_amqp(pattern, key, expected):
    assert topic_matches(pattern, key) is expected


def test_a_cursor_round_trips_and_garbage_is_a_422_on_the_cursor_field():
    when = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert decode_cursor(encode_cursor(when, "abc")) == (when, "abc")
    with pytest.raises(InvalidInput) as err:
        decode_cursor("!!!")
    assert err.value.errors[0]["field"] == "cursor"


def test_outside_dev_mode_the_dev_key_and_embedded_backends_are_refused():
    with pytest.raises(ValueError, match="JWT_PUBLIC_KEYS"):
        PlatformSettings(mode="prod")
    with pytest.raises(ValueError, match="AMQP_URL"):
        PlatformSettings(mode="prod", jwt_public_keys={"k": public_key_pem(new_private_key_pem())},
                         database_url_template="postgresql+asyncpg://x/{service}")


def test_the_embedded_default_is_sqlite_per_service():
    url = PlatformSettings(data_dir="/tmp/x").database_url_for("budget")
    assert url == "sqlite+aiosqlite:////tmp/x/budget.db"


async def test_a_batch_runs_once_together_and_a_failing_message_falls_back_alone():
    import asyncio

    from kit.batching import Batcher

    batches: list[list[bytes]] = []
    singles: list[bytes] = []

    async def run_batch(bodies):
        batches.append(bodies)
        if b"bad" in bodies:
            raise RuntimeError("one of these cannot be applied")

    async def run_one(body):
        singles.append(body)
        if body == b"bad":
            raise RuntimeError("cannot apply bad")

    batcher = Batcher(run_batch, run_one, max_size=3, max_wait=0.01)
    assert await asyncio.gather(*(batcher(b) for b in (b"a", b"b", b"c"))) == [None, None, None]
    assert batches == [[b"a", b"b", b"c"]] and singles == []

    outcomes = await asyncio.gather(*(batcher(b) for b in (b"d", b"bad", b"e")), return_exceptions=True)
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], RuntimeError) and "cannot apply bad" in str(outcomes[1])
    assert singles == [b"d", b"bad", b"e"], "after a failed batch each message runs on its own"

    assert await batcher(b"alone") is None, "a lone message is flushed after max_wait"
    assert singles[-1] == b"alone"


async def test_a_batch_handler_gets_each_run_of_its_events_in_order_and_never_a_duplicate(tmp_path):
    """Consumers.on_batch: consecutive fresh events of the type reach the handler together, in order; an event of
    another type in between splits the run, so the order across types is kept; a redelivery is dropped."""
    import asyncio

    from kit.db import Database
    from kit.events import Envelope
    from kit.inbox import Consumers
    from kit.tables import KIT_METADATA

    db = Database(f"sqlite+aiosqlite:///{tmp_path}/inbox.db")
    async with db.engine.begin() as conn:
        await conn.run_sync(KIT_METADATA.create_all)
    calls: list[tuple[str, list[int]]] = []
    consumers = Consumers()

    @consumers.on_batch("t.batched.v1")
    async def batched(session, envelopes, settings):
        calls.append(("batch", [e.payload["n"] for e in envelopes]))

    @consumers.on("t.single.v1")
    async def single(session, envelope, settings):
        calls.append(("single", [envelope.payload["n"]]))

    assert consumers.routing_keys == ["t.batched.v1", "t.single.v1"]
    handle = consumers.bind(consumer="test", db=db, settings=None, batch_size=10)
    sent = [Envelope(type=t, producer="t", local_authority="E06000060", payload={"n": n})
            for n, t in enumerate(["t.batched.v1", "t.batched.v1", "t.single.v1", "t.batched.v1", "t.other.v1",
                                   "t.batched.v1"])]
    bodies = [e.to_bytes() for e in sent]
    await asyncio.gather(*(handle(b) for b in [*bodies, bodies[0]]))  # one batch, with a redelivery of the first
    assert calls == [("batch", [0, 1]), ("single", [2]), ("batch", [3, 5])]
    await asyncio.gather(*(handle(b) for b in bodies))  # all redelivered later: nothing applied twice
    assert len(calls) == 3
    await db.engine.dispose()


async def test_a_job_runs_every_period_and_a_failure_is_retried_at_the_next():
    import asyncio

    from kit.jobs import Job, JobRunner

    runs: list[int] = []

    async def flaky(db, settings) -> int:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("the database went away")
        return 1

    runner = JobRunner((Job("flaky", flaky, every_seconds=0.01),), db=None, settings=None, service="test")
    runner.start()
    await asyncio.sleep(0.005)
    assert runs == [], "the first run is one period after start"
    await asyncio.sleep(0.1)
    await runner.stop()
    assert len(runs) >= 3, "it kept running after the failure"
    stopped_at = len(runs)
    await asyncio.sleep(0.05)
    assert len(runs) == stopped_at
    try:
        await runner.run_once("missing")
        raise AssertionError("an unknown job must be refused")
    except KeyError as exc:
        assert "flaky" in str(exc)


async def test_many_applies_in_lots_of_max_size_and_hands_back_each_messages_outcome():
    from kit.batching import Batcher

    batches: list[list[bytes]] = []

    async def run_batch(bodies):
        batches.append(bodies)
        if b"bad" in bodies:
            raise RuntimeError("one of these cannot be applied")

    async def run_one(body):
        if body == b"bad":
            raise RuntimeError("cannot apply bad")

    batcher = Batcher(run_batch, run_one, max_size=3)
    outcomes = await batcher.many([b"a", b"b", b"c", b"d", b"bad", b"e", b"f"])
    # lots of max_size, in order (a lot of one is simply run on its own)
    assert batches == [[b"a", b"b", b"c"], [b"d", b"bad", b"e"]]
    assert [type(o).__name__ if o else None for o in outcomes] == [None, None, None, None, "RuntimeError", None,
                                                                   None]


async def test_patiently_many_runs_again_only_the_messages_whose_database_was_away():
    import asyncpg
    from sqlalchemy.exc import DBAPIError

    from kit.bus.base import PoisonMessage, patiently_many

    away = DBAPIError("SELECT 1", None, asyncpg.exceptions.CannotConnectNowError("the database system is starting up"))
    calls: list[list[bytes]] = []

    class Handler:
        async def __call__(self, body):  # pragma: no cover - the bus uses many
            raise AssertionError("many is used when the handler has it")

        async def many(self, bodies):
            calls.append(list(bodies))
            return [away if b == b"away" and len(calls) < 3 else PoisonMessage("x") if b == b"poison"
                    else ValueError("no") if b == b"bad" else None for b in bodies]

    outcomes = await patiently_many(Handler(), [b"ok", b"away", b"poison", b"bad"], first_delay=0.001,
                                    patience=5, where="test")
    assert calls == [[b"ok", b"away", b"poison", b"bad"], [b"away"], [b"away"]]
    assert outcomes[0] is None and outcomes[1] is None
    assert isinstance(outcomes[2], PoisonMessage) and isinstance(outcomes[3], ValueError)

    calls.clear()
    impatient = await patiently_many(Handler(), [b"away"], first_delay=0.01, patience=0.0, where="test")
    assert impatient == [away] and calls == [[b"away"]], "an outage outlasting the patience is the outcome"

    async def plain(body):  # a handler without ``many``: one call per message, all at once
        if body == b"bad":
            raise ValueError("no")

    outcomes = await patiently_many(plain, [b"ok", b"bad"], first_delay=0.001, patience=1, where="test")
    assert outcomes[0] is None and isinstance(outcomes[1], ValueError)


class _FakeChannel:
    def __init__(self, name: str, closed: bool = False) -> None:
        self.name, self.closed, self.calls = name, closed, []

    async def basic_ack(self, tag, multiple=False):
        if self.closed:
            raise ConnectionError("channel closed")
        self.calls.append(("ack", tag, multiple))

    async def basic_nack(self, tag, multiple=False, requeue=True):
        self.calls.append(("nack", tag, multiple, requeue))


def _delivery(channel, tag: int, body: bytes = b"{}"):
    from types import SimpleNamespace

    from aiormq import spec

    return SimpleNamespace(channel=channel, body=body, routing_key="probe.x.v1",
                           delivery=SimpleNamespace(delivery_tag=tag),
                           header=SimpleNamespace(properties=spec.Basic.Properties(headers={})))


async def test_a_lot_is_acknowledged_with_one_multiple_ack_per_channel_incarnation():
    """A channel reopened after a reconnect counts its delivery tags from 1 again: each run of rising tags is one
    channel, acknowledged up to its last tag; an ack on a channel that has gone is only logged (the broker
    redelivers and the inbox drops the duplicates)."""
    from kit.bus.rabbit import _settle_all

    def ack(last):
        return last.channel.basic_ack(last.delivery.delivery_tag, multiple=True)

    old, new = _FakeChannel("old"), _FakeChannel("new")
    await _settle_all([_delivery(old, 7), _delivery(old, 8), _delivery(new, 1), _delivery(new, 2),
                       _delivery(new, 3)], "acknowledge", ack)
    assert old.calls == [("ack", 8, True)] and new.calls == [("ack", 3, True)]

    gone, new = _FakeChannel("gone", closed=True), _FakeChannel("new")
    await _settle_all([_delivery(gone, 1), _delivery(new, 1)], "acknowledge", ack)
    assert gone.calls == [] and new.calls == [("ack", 1, True)]


async def test_a_lot_that_could_not_be_settled_goes_back_to_the_queue_before_the_next_lot_is_acknowledged():
    """If settling a lot fails (e.g. a retry copy cannot be published), its deliveries are returned at once: the
    next lot's ``multiple`` ack would otherwise acknowledge them unsettled."""
    from kit.bus.rabbit import RabbitBus, _Deliveries
    from kit.testing import eventually

    channel = _FakeChannel("c")
    bus = RabbitBus("amqp://unused/")
    lots: list[list[int]] = []

    async def settle(consumer, handler, messages):
        lots.append([m.delivery.delivery_tag for m in messages])
        if len(lots) == 1:
            raise ConnectionError("could not publish a retry copy")
        await channel.basic_ack(messages[-1].delivery.delivery_tag, multiple=True)

    bus._settle = settle
    deliveries = _Deliveries(bus, "probe", handler=None, gather_seconds=0.001)
    try:
        for tag in (1, 2):
            await deliveries.put(_delivery(channel, tag))
        await eventually(lambda: channel.calls)
        await deliveries.put(_delivery(channel, 3))
        await eventually(lambda: len(lots) == 2)
        assert lots == [[1, 2], [3]]
        assert channel.calls == [("nack", 2, True, True), ("ack", 3, True)]
    finally:
        await deliveries.stop(grace=0)
