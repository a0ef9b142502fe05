from __future__ import annotations

import abc
import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from kit.outages import transient, wait_out

# A handler gets the raw message body. Returning means "done, acknowledge"; PoisonMessage means "never retry";
# any other exception means "retry, then dead-letter". A handler may also take many messages at once: its ``many``
# method (kit.batching.Batcher) returns each message's outcome, None or the exception it failed with.
Handler = Callable[[bytes], Awaitable[None]]
Outcome = BaseException | None  # of one message: None (done) or what it failed with


class PoisonMessage(Exception):
    """The message can never be processed (not JSON, not an envelope): dead-letter it at once."""


class Unauthorised(PoisonMessage):
    """Whoever published the message may not publish it (no validated AMQP ``user_id``, or a user not allowed for
    what it changes): it is never applied, and is dead-lettered at once with the reason, for the operator."""


@dataclass(frozen=True)
class Outgoing:
    routing_key: str
    body: bytes
    message_id: str
    headers: Mapping[str, str] | None = None  # e.g. the W3C ``traceparent`` of the event's publish span
    # The AMQP ``user_id`` property: the broker user publishing it. RabbitMQ refuses a message whose user_id is not
    # the connection's user (its "validated user-id"), so a consumer can trust it to name the publisher.
    user_id: str | None = None


class Delivered(bytes):
    """A delivered message body that came with headers (a trace context) or a validated ``user_id`` (who published
    it): the handler reads them as ``headers`` and ``user_id`` without the handler's signature changing. Bodies that
    came without either stay plain bytes (no copy)."""

    headers: Mapping[str, Any]
    user_id: str | None


def delivered(body: bytes, headers: Mapping[str, Any] | None, user_id: str | None = None) -> bytes:
    if not headers and user_id is None:
        return body
    message = Delivered(body)
    message.headers, message.user_id = headers or {}, user_id
    return message


def publisher_of(body: bytes) -> str | None:
    """The broker user who published a delivered message (its validated AMQP ``user_id``), or None if it set none."""
    return getattr(body, "user_id", None)


@dataclass(frozen=True)
class DeadLetter:
    consumer: str
    routing_key: str
    body: bytes
    reason: str
    attempts: int
    headers: dict = field(default_factory=dict)


async def patiently(handler: Handler, body: bytes, *, first_delay: float, patience: float, where: str) -> None:
    """Run the handler, waiting out an outage of what it needs (kit.outages): a database restart must not send
    every event in flight to the dead letters. Any other failure, or an outage outlasting ``patience`` seconds,
    is raised (and then counts as one of the message's attempts)."""
    await wait_out(partial(handler, body), first_delay=first_delay, patience=patience, where=where,
                   retry_if=_waits)


def _waits(outcome: Outcome) -> bool:
    """Whether a message failed only because what its handler needs is away (to run again once it is back)."""
    return outcome is not None and not isinstance(outcome, PoisonMessage) and transient(outcome)


class _StillAway(Exception):
    """Some messages of a batch failed because what the handler needs is away (``outcome`` is one of them)."""

    def __init__(self, outcome: BaseException) -> None:
        super().__init__(str(outcome))


async def patiently_many(handler: Handler, bodies: Sequence[bytes], *, first_delay: float, patience: float,
                         where: str) -> list[Outcome]:
    """Run the handler on many messages (its ``many`` if it has one, otherwise one call per message, at once) and
    hand back each message's outcome. Messages that failed because what the handler needs is away are run again,
    as in ``patiently``, until it is back or the patience runs out (then that failure is their outcome)."""
    outcomes: dict[int, Outcome] = {}
    waiting = list(range(len(bodies)))

    async def step() -> None:
        nonlocal waiting
        results = await _run_many(handler, [bodies[i] for i in waiting])
        outcomes.update(zip(waiting, results, strict=True))
        waiting = [i for i, outcome in zip(waiting, results, strict=True) if _waits(outcome)]
        if waiting:
            raise _StillAway(outcomes[waiting[0]])

    try:
        await wait_out(step, first_delay=first_delay, patience=patience, where=where,
                       retry_if=lambda exc: isinstance(exc, _StillAway))
    except _StillAway:
        pass
    return [outcomes[i] for i in range(len(bodies))]


async def _run_many(handler: Handler, bodies: Sequence[bytes]) -> list[Outcome]:
    many = getattr(handler, "many", None)
    if many is not None:
        return await many(bodies)
    return list(await asyncio.gather(*(handler(body) for body in bodies), return_exceptions=True))


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: ``*`` is exactly one word, ``#`` zero or more."""
    p, k = pattern.split("."), key.split(".")

    def match(i: int, j: int) -> bool:
        if i == len(p):
            return j == len(k)
        if p[i] == "#":
            return any(match(i + 1, jj) for jj in range(j, len(k) + 1))
        return j < len(k) and (p[i] == "*" or p[i] == k[j]) and match(i + 1, j + 1)

    return match(0, 0)


class Bus(abc.ABC):
    max_attempts: int

    @abc.abstractmethod
    async def start(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def stop_consuming(self) -> None:
        """Take no more deliveries and let the ones being applied finish (their transactions commit, their acks go
        out), so a shutdown does not cut a batch off in the middle. ``close`` does it too, less gently."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise if the broker is unreachable."""

    @abc.abstractmethod
    async def publish(self, messages: Sequence[Outgoing]) -> None:
        """Publish and return only once the broker has confirmed every message."""

    @abc.abstractmethod
    async def subscribe(self, consumer: str, routing_keys: Sequence[str], handler: Handler) -> None:
        """Declare the consumer's durable queue (and its dead-letter queue), bind it and start consuming."""

    @abc.abstractmethod
    async def take_dead_letters(self, consumer: str, limit: int = 1000,
                                on_letter: Callable[[DeadLetter], None] | None = None) -> list[DeadLetter]:
        """Remove and return messages from the consumer's dead-letter queue (inspection, tests). ``on_letter`` sees
        each letter before it is removed: if it raises, that letter stays in the queue."""

    @abc.abstractmethod
    async def replay_dead_letters(self, consumer: str, limit: int = 1000) -> int:
        """Move dead letters back onto the consumer's queue with a fresh attempt count."""

    @staticmethod
    def describe(exc: BaseException) -> str:
        return f"{type(exc).__name__}: {exc}"[:1000]
