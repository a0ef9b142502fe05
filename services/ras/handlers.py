"""Events the ras service consumes, read through its own minimal models. A payload that can never be read (or
whose re-assessment could never be due on a real date) is dead-lettered with its reason."""
from __future__ import annotations

from datetime import date

from pydantic import Field

from kit.bus import PoisonMessage
from kit.events import Envelope
from kit.inbox import Consumers, Reader, read
from services.ras.domain.reassessment import DueDateOutOfRange
from services.ras.service import reassessments

consumers = Consumers()
REASSESSMENT_REQUESTED = "budget.reassessment_requested.v1"


class ReassessmentRequested(Reader):
    """What ras reads of ``budget.reassessment_requested.v1`` (BUD-12)."""

    budget_id: str = Field(min_length=1, max_length=36)
    review_id: str | None = Field(None, max_length=36)
    plan_reference: str | None = Field(None, max_length=80)
    child_id: str = Field(min_length=1, max_length=64)
    local_authority: str = Field(pattern=r"^E\d{8}$")
    requested_on: date
    reason: str = Field(min_length=1, max_length=2000)


@consumers.on(REASSESSMENT_REQUESTED)
async def on_reassessment_requested(session, envelope: Envelope, settings) -> None:
    """BUD-12: a change of circumstances asks for a swift new assessment of the child: record the request."""
    event = read(ReassessmentRequested, envelope)
    if event.local_authority != envelope.local_authority:
        raise PoisonMessage(f"{envelope.type}: payload local_authority {event.local_authority} is not the "
                            f"envelope's {envelope.local_authority}")
    try:
        await reassessments.record(session, source_event_id=str(envelope.event_id), settings=settings,
                                   **event.model_dump())
    except DueDateOutOfRange as exc:
        raise PoisonMessage(f"{envelope.type}: {exc}") from None
