"""What the eligibility service publishes (payloads exactly as docs/events.md, v1), with their schemas for the
platform's AsyncAPI document."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from kit.events import Envelope
from services.eligibility.domain import Arrangement, DeclineGround, Status, Stream
from services.eligibility.models import Decision, EligibilityRequest

REQUEST_DECIDED = "eligibility.request_decided.v1"
ADULTHOOD_APPROACHING = "eligibility.adulthood_approaching.v1"


class Reason(BaseModel):
    rule: str
    message: str


class StreamOutcome(BaseModel):
    eligible: bool
    reasons: list[Reason]


class ArrangementOutcome(BaseModel):
    allowed: bool
    reasons: list[Reason]


class Evidence(BaseModel):
    description: str
    reference: str


class DeclineOut(BaseModel):
    """An ELIG-12 decline the decision was made under."""

    ground: DeclineGround
    reason: str
    evidence: list[Evidence]
    streams: list[Stream] = Field(description="Empty with `arrangements` empty: the whole budget")
    arrangements: list[Arrangement]
    declined_on: date


class RequestDecided(BaseModel):
    """A request was decided, or a review produced a decision that supersedes ``supersedes_decision_id``
    (ELIG-10, ELIG-11). ``request_id`` stays the same across reviews; ``decision_id`` is new each time."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "request_id": "b2d4f6a8-1c3e-4a5b-8d7f-9e0a1b2c3d4e", "decision_id": "c7e9a1b3-5d7f-4b2a-9c4e-6f8a0b2c4d6e",
        "supersedes_decision_id": None, "child_id": "C-104233", "local_authority": "E06000060",
        "status": "partially_eligible",
        "streams": {"education": {"eligible": False, "reasons": [
                        {"rule": "ELIG-03", "message": "education needs an EHC plan; the plan is at assessment"}]},
                    "health": {"eligible": True, "reasons": []},
                    "social_care": {"eligible": True, "reasons": []},
                    "transport": {"eligible": False, "reasons": [
                        {"rule": "ELIG-03", "message": "transport needs an EHC plan; the plan is at assessment"}]}},
        "arrangements": {"direct_payment": {"allowed": True, "reasons": []},
                         "third_party": {"allowed": True, "reasons": []},
                         "notional": {"allowed": True, "reasons": []}},
        "eligible_streams": ["health", "social_care"],
        "allowed_arrangements": ["direct_payment", "third_party", "notional"],
        "requested_on": "2026-09-07", "decided_at": "2026-09-14T10:32:00Z", "rules_version": "2027.01",
        "declines": []}]})
    request_id: str
    decision_id: str
    supersedes_decision_id: str | None
    child_id: str
    local_authority: str
    status: Status
    streams: dict[Stream, StreamOutcome]
    arrangements: dict[Arrangement, ArrangementOutcome]
    eligible_streams: list[Stream]
    allowed_arrangements: list[Arrangement]
    requested_on: date
    decided_at: datetime
    rules_version: str
    declines: list[DeclineOut] = Field(default_factory=list, description="Added within v1: the LA's ELIG-12 "
                                       "declines this decision was made under (their streams and arrangements are "
                                       "refused with an ELIG-12 reason)")


def request_decided(request: EligibilityRequest, decision: Decision) -> Envelope:
    """The event of ``decision`` on ``request``: the only place its payload is written."""
    payload = RequestDecided(
        request_id=request.id, decision_id=decision.id,
        supersedes_decision_id=decision.supersedes_decision_id,
        child_id=request.child_id, local_authority=request.local_authority, status=decision.status,
        streams=decision.streams, arrangements=decision.arrangements,
        eligible_streams=decision.eligible_streams, allowed_arrangements=decision.allowed_arrangements,
        requested_on=request.requested_on, decided_at=decision.decided_at, rules_version=decision.rules_version,
        declines=[DeclineOut.model_validate(d) for d in decision.declines],
    ).model_dump(mode="json")
    return Envelope(type=REQUEST_DECIDED, producer="eligibility", local_authority=request.local_authority,
                    correlation_id=request.id, payload=payload)


class Handover(BaseModel):
    """The eligibility part of the handover to adult social care (ELIG-14)."""

    summary: str = Field(description="In plain English: the streams and arrangements, when decided, the "
                                     "transition plan, and that eligibility continues to 25")
    eligible_streams: list[Stream]
    allowed_arrangements: list[Arrangement]
    requested_on: date
    decided_at: datetime
    rules_version: str
    care_leaver: bool
    transition_reviewed_on: date | None


class AdulthoodApproaching(BaseModel):
    """ELIG-14: a young person with a current eligible decision turns 18 within the LA's notice window; adult
    social care is told once per child, with the eligibility handover. The budget's summary is the budget
    service's to hand over."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "child_id": "C-104233", "local_authority": "E06000060", "turns_18_on": "2027-06-12",
        "request_id": "b2d4f6a8-1c3e-4a5b-8d7f-9e0a1b2c3d4e", "decision_id": "c7e9a1b3-5d7f-4b2a-9c4e-6f8a0b2c4d6e",
        "status": "eligible",
        "streams": {"education": {"eligible": True, "reasons": []},
                    "social_care": {"eligible": True, "reasons": []}},
        "handover": {
            "summary": "Eligible for a personal budget for education and social care, by direct payment or "
                       "notional arrangement, decided on 14 September 2026; the transition plan was reviewed on "
                       "3 March 2027. Eligibility continues to 25 while the EHC plan is maintained.",
            "eligible_streams": ["education", "social_care"], "allowed_arrangements": ["direct_payment", "notional"],
            "requested_on": "2026-09-07", "decided_at": "2026-09-14T10:32:00Z", "rules_version": "2027.01",
            "care_leaver": False, "transition_reviewed_on": "2027-03-03"}}]})
    child_id: str
    local_authority: str
    turns_18_on: date
    request_id: str
    decision_id: str
    status: Status
    streams: dict[Stream, StreamOutcome]
    handover: Handover


def adulthood_approaching(request: EligibilityRequest, decision: Decision, *, turns_18_on: date,
                          summary: str) -> Envelope:
    """The event telling adult social care that this child turns 18: the only place its payload is written."""
    facts = decision.facts
    transition = facts.get("transition") or {}
    payload = AdulthoodApproaching(
        child_id=request.child_id, local_authority=request.local_authority, turns_18_on=turns_18_on,
        request_id=request.id, decision_id=decision.id, status=decision.status, streams=decision.streams,
        handover=Handover(summary=summary, eligible_streams=decision.eligible_streams,
                          allowed_arrangements=decision.allowed_arrangements, requested_on=request.requested_on,
                          decided_at=decision.decided_at, rules_version=decision.rules_version,
                          care_leaver=facts.get("care_leaver", False),
                          transition_reviewed_on=transition.get("reviewed_on")),
    ).model_dump(mode="json")
    return Envelope(type=ADULTHOOD_APPROACHING, producer="eligibility", local_authority=request.local_authority,
                    correlation_id=request.id, payload=payload)


# The payload models of the events this service publishes, whose contracts it owns.
PUBLISHED = {REQUEST_DECIDED: RequestDecided, ADULTHOOD_APPROACHING: AdulthoodApproaching}
OWNED = dict(PUBLISHED)
