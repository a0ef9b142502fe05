from datetime import UTC, datetime

import pytest

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
        PlatformSettings(mode="prod", jwt_public_keys={"k": "pem"}, database_url_template="postgresql+asyncpg://x/{service}")


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
