"""The event envelope of CONTRACT.md. Routing key = ``type``."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kit import clock
from kit.logs import correlation_id as current_correlation
from kit.tracing import current_traceparent

EXCHANGE = "sendpb.events"
_NO_TRACE = {"traceparent"}


def utcnow() -> datetime:
    """Now, from the platform's one clock (``kit.clock``)."""
    return clock.now()


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str = Field(min_length=3, pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+\.v\d+$")
    occurred_at: datetime = Field(default_factory=utcnow)
    producer: str
    local_authority: str
    # By default an event belongs to the request or event chain that produced it.
    correlation_id: str | None = Field(default_factory=lambda: current_correlation.get())
    causation_id: str | None = None
    # The W3C trace context of the work that produced the event (kit.tracing), when tracing is on: it rides in the
    # outbox row with the event. Left out of the JSON when there is none, so events are as before without tracing.
    traceparent: str | None = Field(default_factory=current_traceparent, max_length=128, description=(
        "W3C `traceparent` of the work that produced the event, when tracing is on; optional"))
    payload: dict[str, Any]

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
