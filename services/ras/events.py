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

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "assessment_id": "a1c3e5f7-2b4d-4f6a-8c0e-1d3f5a7b9c2e", "supersedes_assessment_id": None,
        "child_id": "C-104233", "local_authority": "E06000060", "model_id": "e4a6c8e0-3f5b-4d7a-9b1c-2e4f6a8c0d3b",
        "model_version": 3, "points": {"education": 42, "social_care": 31, "health": 58},
        "indicative_pence": {"education": 840000, "social_care": 620000}, "total_indicative_pence": 1460000,
        "referred_to_panel": True, "referred_streams": ["health"], "completed_at": "2026-09-21T15:04:00Z",
        "reassessment_request_ids": []}]})

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
