"""The event envelope of CONTRACT.md. Routing key = ``type``."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from kit import clock
from kit.logs import correlation_id as current_correlation
from kit.tracing import current_traceparent

EXCHANGE = "sendpb.events"
_NO_TRACE = {"traceparent"}


def utcnow() -> datetime:
    """Now, from the platform's one clock (``kit.clock``)."""
    return clock.now()


class Envelope(BaseModel):
    """Every event on the exchange, in the same JSON object (CONTRACT.md): who published what, when, for which local
    authority, and the payload of its ``type``. Fields a reader does not know are ignored, so fields may be added."""

    model_config = ConfigDict(extra="ignore")

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4, description=(
        "This message's id, new for each event (a UUID). Consumers apply an event once per `event_id` (their inbox): "
        "a redelivery or a republish of the same envelope is acknowledged and not applied again. The AMQP "
        "`message_id` property carries the same value."))
    type: str = Field(min_length=3, pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+\.v\d+$", description=(
        "The event type, `<producer>.<event>.v<major>`; also the routing key on the `sendpb.events` exchange"))
    occurred_at: datetime = Field(default_factory=utcnow, description="When the change happened, UTC (RFC 3339)")
    producer: str = Field(description="The service (or outside system, e.g. an ICB) that published the event")
    local_authority: str = Field(description="ONS code of the local authority the event belongs to, e.g. E06000060")
    # By default an event belongs to the request or event chain that produced it.
    correlation_id: str | None = Field(default_factory=lambda: current_correlation.get(), description=(
        "The request or chain of events this one belongs to (kept by every event it causes); optional"))
    causation_id: str | None = Field(None, description="The `event_id` of the event that caused this one; optional")
    # The W3C trace context of the work that produced the event (kit.tracing), when tracing is on: it rides in the
    # outbox row with the event. Left out of the JSON when there is none, so events are as before without tracing.
    traceparent: str | None = Field(default_factory=current_traceparent, max_length=128, description=(
        "W3C `traceparent` of the work that produced the event, when tracing is on; optional"))
    payload: dict[str, Any]
    # Who published this delivery: the broker user its validated AMQP ``user_id`` names (kit.bus), set by the
    # consumer that received it; never read from the JSON, which anyone can write.
    _publisher: str | None = PrivateAttr(None)

    @property
    def publisher(self) -> str | None:
        """The broker user who published this envelope, as the broker validated it; None if it set no user_id."""
        return self._publisher

    @classmethod
    def delivered(cls, body: bytes, *, publisher: str | None) -> Envelope:
        """The envelope of a delivered message, with who published it (``kit.bus.publisher_of``)."""
        envelope = cls.from_bytes(body)
        envelope._publisher = publisher
        return envelope

    def to_bytes(self) -> bytes:
        if self.traceparent is None:
            return self.model_dump_json(exclude=_NO_TRACE).encode()
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, body: bytes) -> Envelope:
        return cls.model_validate_json(body)

    def caused(self, type: str, *, producer: str, payload: dict[str, Any]) -> Envelope:
        """A follow-on event that keeps this one's correlation id and names it as the cause."""
        return Envelope(
            type=type, producer=producer, local_authority=self.local_authority,
            correlation_id=self.correlation_id or str(self.event_id), causation_id=str(self.event_id),
            payload=payload,
        )
