"""What the ras service publishes (docs/events.md is the contract)."""
from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from kit.events import Envelope
from kit.logs import request_id
from services.ras.models import Assessment

ASSESSMENT_COMPLETED = "ras.assessment_completed.v1"


class AssessmentCompleted(BaseModel):
    """A RAS result was recorded: points and indicative amounts per stream. A stream referred to panel (RAS-04)
    is listed in ``referred_streams`` and has no entry in ``indicative_pence``. Additive within v1:
    ``reassessment_request_ids`` names the re-assessment requests (BUD-12) this result completed, if any."""

    model_config = ConfigDict(from_attributes=True)

    assessment_id: str = Field(validation_alias=AliasChoices("assessment_id", "id"))  # read from the row's id
    supersedes_assessment_id: str | None
    child_id: str
    local_authority: str
    model_id: str
    model_version: int
    points: dict[str, int]
    indicative_pence: dict[str, int]
    total_indicative_pence: int
    referred_to_panel: bool
    referred_streams: list[str]
    completed_at: datetime
    reassessment_request_ids: list[str] = Field(default_factory=list)


def assessment_completed(row: Assessment) -> Envelope:
    payload = AssessmentCompleted.model_validate(row).model_dump(mode="json")
    return Envelope(type=ASSESSMENT_COMPLETED, producer="ras", local_authority=row.local_authority,
                    correlation_id=request_id.get(), payload=payload)


OWNED = {ASSESSMENT_COMPLETED: AssessmentCompleted}  # the payload models of the events this service owns
