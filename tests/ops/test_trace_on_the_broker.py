"""The trace context crosses the broker: a message's ``traceparent`` header reaches the consumer (and survives a retry
and the dead letters), on RabbitMQ and on the in-memory bus alike."""
import asyncio
import uuid

from kit.bus import Outgoing
from kit.testing import eventually

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e4736ab-00f067aa0ba902b7-01"


async def test_the_traceparent_header_reaches_the_consumer_through_a_retry_and_into_the_dead_letters(backend):
    bus = await backend.bus(max_attempts=3)
    consumer = f"ops-trace-{uuid.uuid4().hex[:8]}"
    seen: list[tuple[bytes, dict | None]] = []

    async def handler(body: bytes) -> None:
        seen.append((bytes(body), getattr(body, "headers", None)))
        if b"broken" in body:
            raise RuntimeError("not yet")

    await bus.subscribe(consumer, ["ops.traced.v1"], handler)
    await bus.publish([Outgoing("ops.traced.v1", b'{"n": "ok"}', str(uuid.uuid4()), {"traceparent": TRACEPARENT}),
                       Outgoing("ops.traced.v1", b'{"n": "broken"}', str(uuid.uuid4()), {"traceparent": TRACEPARENT}),
                       Outgoing("ops.traced.v1", b'{"n": "plain"}', str(uuid.uuid4()))])
    await eventually(lambda: asyncio.sleep(0, len(seen) >= 5), timeout=20)  # 1 + 3 attempts + 1

    assert [headers for body, headers in seen if b'"ok"' in body] == [{"traceparent": TRACEPARENT}]
    retried = [headers for body, headers in seen if b"broken" in body]
    assert len(retried) == 3 and all(h == {"traceparent": TRACEPARENT} for h in retried), "kept on every retry"
    assert [headers for body, headers in seen if b"plain" in body] == [None], "no header, plain bytes"
    letters = await eventually(lambda: bus.take_dead_letters(consumer), timeout=20)
    assert letters[0].body == b'{"n": "broken"}'
    if backend.real:
        assert letters[0].headers["traceparent"] == TRACEPARENT, "a replayed dead letter continues its trace"
