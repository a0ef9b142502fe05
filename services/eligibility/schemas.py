"""What the eligibility API accepts and returns."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AliasPath, BaseModel, ConfigDict, Field, computed_field, field_validator

from kit.family_links import FamilyLinkExpiry, LinkRead
from kit.schemas import Input, IsoDate, Read, up_to
from services.eligibility.domain import (
    DEFAULT_NOTICE_DAYS,
    Arrangement,
    DeclineGround,
    EhcpStage,
    RecipientRole,
    Requester,
    Status,
    Stream,
)

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


class TransitionPlan(Input):
    """ELIG-14, preparing for adulthood: the transition plan recorded at a review from year 9 (the school year in
    which the child turns 14)."""

    reviewed_on: up_to(1, "the day of the review, which has come") = Field(  # type: ignore[valid-type]
        description="The review at which the plan was recorded: in year 9 or later (ELIG-14), on or before "
                    "today + 1 day")
    plan: str = Field(min_length=1, max_length=4000,
                      description="The transition plan in plain English: aspirations for employment, independent "
                                  "living, friends and community, and health as an adult")


_CARE_LEAVER = ("A care leaver (ELIG-14): keeps their entitlement after 18, until 25 (ELIG-04); each eligible "
                "stream says so with an ELIG-14 reason")
_TRANSITION = ("The transition plan (ELIG-14), from the review in year 9: a `reviewed_on` before year 9 is a 422 "
               "naming `transition.reviewed_on` with rule ELIG-14")


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
    care_leaver: bool = Field(False, description=_CARE_LEAVER)
    transition: TransitionPlan | None = Field(None, description=_TRANSITION)

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
    care_leaver: bool | None = Field(None, description=_CARE_LEAVER)
    transition: TransitionPlan | None = Field(None, description=_TRANSITION + "; replaces the plan recorded "
                                                                              "before")
    declines: list[Any] | None = Field(None, description="Only `[]`: on review the LA withdraws every ELIG-12 "
                                                         "decline in force, and the request is decided without "
                                                         "them. To decline again: `POST /requests/{id}/decline`")

    _unique = field_validator("streams", "arrangements")(_no_repeats)

    @field_validator("date_of_birth", "ehcp_stage", "streams", "arrangements", "in_custody",
                     "provision_on_setting_premises", "continuing_care", "care_leaver", "transition", "declines")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out but not set to null")
        return value

    @field_validator("declines")
    @classmethod
    def _only_withdrawn(cls, value: list[Any]) -> list[Any]:
        if value:
            raise ValueError("only [] is accepted (withdraw the ELIG-12 declines on review); decline again with "
                             "POST /v1/eligibility/requests/{id}/decline")
        return value


class ReviewCreate(Input):
    """A family's request to review a decision (ELIG-10)."""

    reason: str = Field(min_length=1, max_length=4000, description="Why the family asks for a review")
    asked_by: str | None = Field(None, max_length=200,
                                 description="Who in the family asked, e.g. 'parent' or a name (optional)")
    corrections: Corrections | None = Field(None, description="Facts to decide on afresh (optional)")


class EvidenceCreate(Input):
    description: str = Field(min_length=1, max_length=2000, description="What the evidence shows, in plain "
                                                                        "English")
    reference: str = Field(min_length=1, max_length=500, description="The document: its reference, title or URL")


class DeclineCreate(Input):
    """The LA declines the personal budget, or part of it, under ELIG-12."""

    ground: DeclineGround = Field(description="`harm_to_others`: securing it would harm the provision made for "
                                              "others; `inefficient_use`: it would be an inefficient use of "
                                              "resources")
    reason: str = Field(min_length=1, max_length=4000, description="Why, in plain English, for the family")
    evidence: list[EvidenceCreate] = Field(max_length=50, json_schema_extra={"minItems": 1},
                                           description="The evidence the decline rests on: at least one item")
    streams: list[Stream] = Field(default_factory=list, max_length=4,
                                  description="The streams declined (each eligible in the decision in force)")
    arrangements: list[Arrangement] = Field(default_factory=list, max_length=3,
                                            description="The arrangements declined (each allowed in the decision "
                                                        "in force)")
    decided_by: str | None = Field(None, max_length=200, description="The officer or panel that decided")

    _unique = field_validator("streams", "arrangements")(_no_repeats)

    @field_validator("evidence")
    @classmethod
    def _evidenced(cls, value: list[EvidenceCreate]) -> list[EvidenceCreate]:
        if not value:
            raise ValueError("is required: an ELIG-12 decline states its evidence (at least one item)")
        return value


class EvidenceRead(BaseModel):
    description: str
    reference: str


class DeclineRead(BaseModel):
    ground: DeclineGround
    reason: str
    evidence: list[EvidenceRead]
    streams: list[Stream] = Field(description="Empty with `arrangements` empty: the whole budget")
    arrangements: list[Arrangement]
    declined_on: date
    decided_by: str | None = None
    recorded_by: str


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
    declines: list[DeclineRead] = _of("decision", "declines", description="The LA's ELIG-12 declines this "
                                                                          "decision was made under")

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


class AdulthoodRead(BaseModel):
    """A young person approaching 18 (ELIG-14), from their latest decision."""

    model_config = ConfigDict(from_attributes=True)  # read from service.ApproachingAdulthood

    child_id: str
    local_authority: str
    turns_18_on: date
    request_id: str
    decision_id: str
    status: Status
    eligible_streams: list[Stream]
    allowed_arrangements: list[Arrangement]
    care_leaver: bool
    transition_reviewed_on: date | None = Field(description="The review at which the transition plan was "
                                                            "recorded; null when none is")
    announced_at: datetime | None = Field(description="When adult social care was told "
                                                      "(`eligibility.adulthood_approaching.v1`); null until then")
    handover: str = Field(description="The eligibility part of the handover to adult social care, in plain "
                                      "English")


class AdulthoodPage(BaseModel):
    items: list[AdulthoodRead]
    next_cursor: str | None = None


WITHIN_DAYS = f"Turning 18 within this many days from today (default {DEFAULT_NOTICE_DAYS}, about six months)"


# ---------------------------------------------------------------- decision notices by family link (issue 20)
class DecisionLinkCreate(FamilyLinkExpiry):
    """A signed link for the family of the request to the notice of one decision on it (ELIG-10)."""

    decision_id: str = Field(min_length=1, max_length=36, description=(
        "the decision of this request whose notice the link opens (`decision_id` of a decision)"))


class DecisionLinkRead(LinkRead):
    """A family link to a decision notice: give `url` to the family (by email, text or letter). Anyone holding it
    can open the notice and ask for a review from it until `expires_at`, so revoke it if it reaches someone else."""

    request_id: str
    document: Literal["decision"]
    document_id: str = Field(description="the decision whose notice the link opens")
    acted_at: datetime | None = Field(description="when the family asked for a review from the link, if they did")


class ReviewRequestRead(Read):
    """A family's request for a review (ELIG-10), made from their decision notice's link, for the LA to review."""

    id: str
    request_id: str
    decision_id: str = Field(description="the decision the family asked to be reviewed")
    reason: str = Field(description="the family's reason, in their words (may be empty)")
    asked_by: str
    asked_at: datetime
    link_id: str = Field(description="the family link it was made from")
    open: bool = Field(description="true until a review (`POST /requests/{id}/review`) supersedes the decision")


class ReviewRequests(Read):
    items: list[ReviewRequestRead]


class FamilyReviewAsked(Read):
    """The family's review request from their link (ELIG-10), when the client asks for JSON: `again` when the link
    had asked before (nothing new recorded)."""

    review_request_id: str
    decision_id: str
    asked_at: datetime
    again: bool
