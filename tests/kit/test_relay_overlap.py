"""The relay draining a backlog with overlapping passes (issue 21): every event once, oldest first; and the
RabbitMQ bus committing batches in the order they were handed over, a failed batch taking those behind it down."""
import asyncio

from kit.bus import Outgoing
from kit.events import Envelope
from kit.outbox import OutboxRelay, add_events
from kit.testing import LA, eventually, running_service
from tests.kit.probe.app import create_app


def _envelopes(n: int) -> list[Envelope]:
    return [Envelope(type="probe.counted.v1", producer="probe", local_authority=LA, payload={"n": k})
            for k in range(n)]


async def _tapped(bus) -> list[int]:
    """What a consumer of the counted events receives, in the order it receives it."""
    delivered: list[int] = []

    async def tap(body: bytes) -> None:
        delivered.append(Envelope.from_bytes(body).payload["n"])

    await bus.subscribe("probe-order", ["probe.counted.#"], tap)
    return delivered


async def test_a_backlog_drained_by_overlapping_passes_reaches_a_consumer_once_each_and_oldest_first(backend):
    bus = await backend.bus()
    delivered = await _tapped(bus)
    async with running_service(create_app, backend, service="probe", bus=bus) as svc:
        relay: OutboxRelay = svc.runtime.relay
        await relay.stop()
        relay.batch_size = 7  # 60 events: nine passes, two in flight at a time on PostgreSQL
        async with svc.runtime.db.transaction() as session:
            await add_events(session, _envelopes(60))
        relay.start()
        relay.wake()
        await eventually(lambda: len(delivered) >= 60)
        await asyncio.sleep(0.3)
        assert delivered == list(range(60))
        assert await relay.pending() == 0


async def test_a_batch_that_fails_fails_the_batch_queued_behind_it_and_neither_reaches_the_queue(real_backend):
    bus = await real_backend.bus()
    delivered = await _tapped(bus)
    first, second, third = ([Outgoing(e.type, e.to_bytes(), str(e.event_id))] for e in _envelopes(3))
    unencodable = Outgoing("probe.counted.v1", b"{}", "m-bad", {"x-bad": object()})
    failed, behind = await asyncio.gather(bus.publish([*first, unencodable]), bus.publish(second),
                                          return_exceptions=True)
    assert isinstance(failed, Exception) and not isinstance(failed, ConnectionError)
    assert isinstance(behind, ConnectionError), "the batch behind a failed one must not overtake it"
    await bus.publish(third)  # the bus goes on with fresh channels
    await eventually(lambda: 2 in delivered)
    await asyncio.sleep(0.3)
    assert delivered == [2], "nothing of a failed batch, nor of the one behind it, is delivered"
