"""What the eligibility API accepts and returns."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import AliasPath, BaseModel, ConfigDict, Field, computed_field, field_validator

from kit.schemas import Input, IsoDate, up_to
from services.eligibility.domain import Arrangement, EhcpStage, RecipientRole, Requester, Status, Stream

LA_CODE = r"^E\d{8}$"  # English LAs (ONS codes)
BASE = "/v1/eligibility/requests"  # where a decision's links point


def _no_repeats(values: list[str] | None) -> list[str] | None:
    repeated = sorted({v for v in values or [] if values.count(v) > 1})
    if repeated:
        raise ValueError(f"lists {', '.join(repeated)} more than once")
    return values


class RecipientCreate(Input):
    """Who would receive direct payments (ELIG-06, ELIG-07)."""

    role: RecipientRole
    capable_of_managing: bool = Field(description="Appears capable of managing direct payments, alone or "
                                                  "with help")
    consents: bool = Field(description="Consents to receive direct payments")
    drug_or_alcohol_requirement: bool = Field(description="Under a drug-rehabilitation or alcohol-treatment "
                                                          "requirement (community order, suspended sentence "
                                                          "or similar)")


class RequestCreate(Input):
    """A parent's or young person's request for a personal budget."""

    child_id: str = Field(min_length=1, max_length=64,
                          description="The case-management system's id of the CYP")
    local_authority: str = Field(pattern=LA_CODE, description="ONS code of the LA, e.g. E06000060")
    date_of_birth: IsoDate
    requested_on: up_to(1, "the day the family asked, which has come") = Field(  # type: ignore[valid-type]
        description="The day the family asked: on or before today + 1 day")
    requested_by: Requester
    ehcp_stage: EhcpStage
    streams: list[Stream] = Field(min_length=1, max_length=4, description="The funding streams asked for")
    arrangements: list[Arrangement] = Field(min_length=1, max_length=3,
                                            description="How the budget would be held")
    recipient: RecipientCreate | None = Field(None, description="Required when direct_payment is asked for")
    in_custody: bool = False
    provision_on_setting_premises: bool = Field(
        False, description="Direct-payment-funded provision would be delivered on a school's, college's or "
                           "early-years setting's premises")
    setting_agreement: bool | None = Field(
        None, description="The head's or principal's written agreement to that provision (ELIG-09)")
    continuing_care: bool = Field(
        False, description="Eligible for NHS continuing care (ELIG-13). The CYP then has the right to a "
                           "personal health budget: the health stream is decided eligible, with an ELIG-13 "
                           "reason, whatever the EHCP stage or who asked, and is refused only for a period in "
                           "custody where the LA applies ELIG-08. When `streams` does not ask for health, the "
                           "decision still offers it: `health` appears in the decision's `streams` as eligible "
                           "with a first reason 'Offered under ELIG-13' (and in `eligible_streams`); `facts."
                           "streams` keeps what was asked. Nothing is offered for a period in custody.")

    _unique = field_validator("streams", "arrangements")(_no_repeats)


class Corrections(Input):
    """Facts that have changed or were wrong, e.g. the head has now agreed in writing (ELIG-09) or the plan
    is now at annual review. Only the fields given change; who asked and when stay those of the request."""

    date_of_birth: IsoDate | None = None
    ehcp_stage: EhcpStage | None = None
    streams: list[Stream] | None = Field(None, min_length=1, max_length=4)
    arrangements: list[Arrangement] | None = Field(None, min_length=1, max_length=3)
    recipient: RecipientCreate | None = None
    in_custody: bool | None = None
    provision_on_setting_premises: bool | None = None
    setting_agreement: bool | None = None
    continuing_care: bool | None = Field(None, description="Now (or no longer) eligible for NHS continuing "
                                                           "care (ELIG-13)")

    _unique = field_validator("streams", "arrangements")(_no_repeats)

    @field_validator("date_of_birth", "ehcp_stage", "streams", "arrangements", "in_custody",
                     "provision_on_setting_premises", "continuing_care")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not set to null")
        return value


class ReviewCreate(Input):
    """A family's request to review a decision (ELIG-10)."""

    reason: str = Field(min_length=1, max_length=4000, description="Why the family asks for a review")
    asked_by: str | None = Field(None, max_length=200,
                                 description="Who in the family asked, e.g. 'parent' or a name (optional)")
    corrections: Corrections | None = Field(None, description="Facts to decide on afresh (optional)")


class ReasonRead(BaseModel):
    rule: str = Field(description="The DOMAIN.md rule ID, e.g. ELIG-07")
    message: str


class StreamRead(BaseModel):
    eligible: bool
    reasons: list[ReasonRead]


class ArrangementRead(BaseModel):
    allowed: bool
    reasons: list[ReasonRead]


class ReviewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    reason: str
    asked_by: str | None
    corrections: dict[str, Any] = Field(description="The facts the review changed (empty when none)")
    recorded_by: str
    recorded_at: datetime = Field(validation_alias="created_at")


class DecisionLinks(BaseModel):
    self: str
    decisions: str = Field(description="Every decision on this request, newest first")
    supersedes: str | None = Field(description="The decision this one superseded, if any")


def _of(part: str, name: str, **field: Any) -> Any:
    """A field read from the ``request`` or the ``decision`` of the service's DecidedRequest."""
    return Field(validation_alias=AliasPath(part, name), **field)


class DecisionRead(BaseModel):
    """A request and one decision on it. ``id`` is the request's id (stable across reviews); ``decision_id``
    names this decision."""

    model_config = ConfigDict(from_attributes=True)  # read from service.DecidedRequest

    id: str = _of("request", "id", description="The request id: use it to read, list and review")
    decision_id: str = _of("decision", "id")
    supersedes_decision_id: str | None = _of("decision", "supersedes_decision_id")
    current: bool = Field(description="True when no later decision supersedes this one")
    child_id: str = _of("request", "child_id")
    local_authority: str = _of("request", "local_authority")
    status: Status = _of("decision", "status")
    streams: dict[Stream, StreamRead] = _of("decision", "streams")
    arrangements: dict[Arrangement, ArrangementRead] = _of("decision", "arrangements")
    eligible_streams: list[Stream] = _of("decision", "eligible_streams")
    allowed_arrangements: list[Arrangement] = _of("decision", "allowed_arrangements")
    decided_at: datetime = _of("decision", "decided_at")
    rules_version: str = _of("decision", "rules_version")
    facts: dict[str, Any] = _of("decision", "facts", description="The facts this decision was made on: the "
                                                                 "request's, with any corrections made at a "
                                                                 "review")
    requested_on: date = _of("request", "requested_on")
    requested_by: Requester = _of("request", "requested_by")
    recorded_by: str = _of("request", "recorded_by", description="The client that recorded the request")
    recorded_at: datetime = _of("request", "created_at", description="When the request was recorded")
    review: ReviewRead | None = Field(description="The review that led to this decision, if any")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def links(self) -> DecisionLinks:
        own = f"{BASE}/{self.id}"
        supersedes = self.supersedes_decision_id
        return DecisionLinks(self=f"{own}/decisions/{self.decision_id}", decisions=f"{own}/decisions",
                             supersedes=f"{own}/decisions/{supersedes}" if supersedes else None)


class DecisionPage(BaseModel):
    items: list[DecisionRead]
    next_cursor: str | None = None
