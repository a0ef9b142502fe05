"""Request and response bodies of the RAS API. Response models are read from attributes: of the ORM rows, and of
the read models the use cases return (``service.questionnaires.ModelVersion``)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from kit.schemas import Input, JsonDecimal

Stream = Literal["education", "health", "social_care", "transport"]
LocalAuthority = Annotated[str, Field(pattern=r"^E\d{8}$", description="ONS code of the local authority")]
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]
# Bounds keep every product inside a 64-bit column: 500 questions × 10,000 points × £1m a point < 2^63 pence.
# Strict: a JSON integer only; pydantic's lax mode would read `true` as 1 point and "5" as 5 (found by fuzzing).
OptionPoints = Annotated[StrictInt, Field(ge=0, le=10_000)]
Points = Annotated[StrictInt, Field(ge=0, le=10_000_000)]
PencePerPoint = Annotated[StrictInt, Field(ge=0, le=100_000_000)]
BandPence = Annotated[StrictInt, Field(ge=0, le=100_000_000_000)]
Pence = Annotated[StrictInt, Field(ge=0, le=10**13)]


class OptionIn(Input):
    id: Ident
    label: str = Field(min_length=1, max_length=200)
    points: OptionPoints = Field(description="Whole points, 0 or more (RAS-01)")


class QuestionIn(Input):
    id: Ident
    domain: str = Field(min_length=1, max_length=100,
                        description="e.g. stay_safe, be_healthy, family_and_carers")
    stream: Stream
    text: str = Field(min_length=1, max_length=1000)
    options: list[OptionIn] = Field(min_length=1, max_length=50)


class PricePerPointIn(Input):
    method: Literal["price_per_point"]
    pence_per_point: PencePerPoint


class BandIn(Input):
    min_points: Points
    max_points: Points
    amount_pence: BandPence


class BandsIn(Input):
    method: Literal["bands"]
    bands: list[BandIn] = Field(min_length=1, max_length=100)


ConversionIn = Annotated[PricePerPointIn | BandsIn, Field(discriminator="method")]


class ModelVersionCreate(Input):
    """A new version's content: the whole questionnaire and conversions."""

    name: str | None = Field(None, min_length=1, max_length=200, description="Defaults to the previous name")
    questions: list[QuestionIn] = Field(min_length=1, max_length=500)
    conversions: dict[Stream, ConversionIn]
    ceiling_points: Points | None = Field(
        None, description="Each stream's points above this are referred to panel (RAS-04); null for none")


class ModelCreate(ModelVersionCreate):
    name: str = Field(min_length=1, max_length=200)
    local_authority: LocalAuthority


class ValidationReport(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    valid: bool
    errors: list[dict[str, str]] = Field(description="Every problem that stops publication: "
                                                     "{field, message, rule}")


class ModelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    lineage_id: str = Field(description="Shared by every version of this model (the id of version 1)")
    version: int
    previous_version_id: str | None
    status: Literal["draft", "published"]
    active: bool = Field(description="This version is the local authority's active model")
    name: str
    local_authority: str
    questions: list[dict]
    conversions: dict[str, dict]
    ceiling_points: int | None
    validation: ValidationReport
    created_at: datetime
    published_at: datetime | None


class ModelSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    lineage_id: str
    version: int
    status: Literal["draft", "published"]
    name: str
    local_authority: str
    created_at: datetime
    published_at: datetime | None


class AssessmentCreate(Input):
    child_id: str = Field(min_length=1, max_length=64)
    local_authority: LocalAuthority
    model_id: str | None = Field(None, max_length=36,
                                 description="A published model version; default: the LA's "
                                                                  "active model")
    answers: dict[str, str] = Field(max_length=1000, description="{question_id: option_id}, every question")
    supersedes_assessment_id: str | None = Field(None, max_length=36,
                                                 description="The earlier result this re-assessment replaces")


class ExplainedAnswer(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    question_id: str
    question_text: str = ""
    domain: str
    option_id: str
    option_label: str
    points: int
    stream: str


class StreamConversion(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    method: Literal["price_per_point", "bands"]
    points: int
    pence_per_point: int | None = None
    band: dict | None = None
    amount_pence: int | None = Field(description="null when referred to panel")
    referred_to_panel: bool
    arithmetic: str = Field(description="How the amount was reached, in words")


class AssessmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    child_id: str
    local_authority: str
    model_id: str
    model_version: int
    supersedes_assessment_id: str | None
    points: dict[str, int]
    indicative_pence: dict[str, int] = Field(description="Per stream; a stream referred to panel has none")
    total_indicative_pence: int
    referred_to_panel: bool
    referred_streams: list[str]
    explanation: list[ExplainedAnswer]
    conversions: dict[str, StreamConversion]
    completed_at: datetime
    reassessment_request_ids: list[str] = Field(
        default_factory=list, description="The re-assessment requests (BUD-12) this result completed")


ReassessmentStatus = Literal["open", "completed"]


class ReassessmentRead(BaseModel):
    """A re-assessment asked for on a change of circumstances (BUD-12)."""

    model_config = ConfigDict(from_attributes=True)  # read from service.reassessments.Standing

    id: str
    budget_id: str
    review_id: str | None = Field(description="The budget's review that the change of circumstances brought due")
    plan_reference: str | None
    child_id: str
    local_authority: str
    reason: str = Field(description="The change of circumstances, as the budget recorded it")
    requested_on: date = Field(description="The day the change of circumstances was recorded")
    due_by: date = Field(description="The day the new assessment is due: the LA's bound of working days later")
    status: ReassessmentStatus
    overdue: bool = Field(description="Still open after due_by")
    assessment_id: str | None = Field(description="The assessment that completed it")
    completed_at: datetime | None
    received_at: datetime = Field(description="When the request reached the RAS service")


class CalibrationCreate(Input):
    available_pence: dict[Stream, Pence] = Field(min_length=1,
                                                 description="Money available per stream, a year")
    contingency_percent: JsonDecimal | None = Field(
        None, ge=0, lt=100, decimal_places=2,
        description="Reserve held back, e.g. 7.5 (up to 2 decimals); default: the LA's configured DEFAULT (5)")
    cohort: list[str] | None = Field(None, max_length=500_000,
                                     description="Assessment ids; null = every current one on the model")


class StreamCalibration(BaseModel):
    method: Literal["price_per_point", "bands"]
    assessments: int = Field(description="Assessments counted in this stream (not referred to panel)")
    referred: int = Field(description="Assessments referred to panel in this stream: outside the projection")
    total_points: int
    available_pence: int
    contingency_pence: int
    spendable_pence: int = Field(description="available − contingency")
    current: dict = Field(description="The model's conversion for this stream")
    proposed: dict = Field(description="The proposed conversion (same shape)")
    scale_basis_points: int | None = Field(description="Bands only: the uniform scale, 10,000 = unchanged")
    projected_before_pence: int = Field(description="The cohort's total under the current conversion")
    projected_after_pence: int = Field(description="The cohort's total under the proposed conversion")
    unallocated_pence: int = Field(description="spendable − projected after")


class CalibrationRead(BaseModel):
    model_id: str
    model_version: int
    contingency_basis_points: int = Field(description="The contingency as whole basis points (7.5 % = 750)")
    cohort_size: int
    streams: dict[str, StreamCalibration]
    projected_before_pence: int
    projected_after_pence: int
    proposed_conversions: dict[str, dict] = Field(
        description="The proposed new version's conversions, ready for POST /v1/ras/models/{id}/versions")
    rounding: str
