"""The words the eligibility rules speak: what a request asks for, the facts it is decided on, and a decision's
outcomes with their reasons. Plain values, no behaviour beyond reading stored facts back."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, get_args

Stream = Literal["education", "health", "social_care", "transport"]
Arrangement = Literal["direct_payment", "third_party", "notional"]
EhcpStage = Literal["none", "assessment", "plan_to_be_issued", "issued", "annual_review", "reassessment",
                    "ceased"]
Requester = Literal["parent", "young_person"]
RecipientRole = Literal["parent", "young_person", "nominee", "representative"]
Status = Literal["eligible", "partially_eligible", "not_eligible"]
DeclineGround = Literal["harm_to_others", "inefficient_use"]  # ELIG-12

STREAMS: tuple[str, ...] = get_args(Stream)
ARRANGEMENTS: tuple[str, ...] = get_args(Arrangement)
EHCP_STAGES: tuple[str, ...] = get_args(EhcpStage)

# ELIG-01: the LA maintains an EHCP or has decided to issue one.
PLAN_STAGES = frozenset({"plan_to_be_issued", "issued", "annual_review", "reassessment"})
# ELIG-02: the stages at which a request for the education or transport stream is made.
REQUEST_STAGES = frozenset({"plan_to_be_issued", "annual_review", "reassessment"})
# ELIG-02/03: the streams that need an EHCP; health and social care do not.
PLAN_STREAMS = frozenset({"education", "transport"})

STAGE_WORDS = {
    "none": "no EHCP", "assessment": "an EHCP assessment under way", "plan_to_be_issued": "a draft plan",
    "issued": "an issued EHCP", "annual_review": "an annual review", "reassessment": "a re-assessment",
    "ceased": "an EHCP that has ceased",
}
STREAM_WORDS = {"education": "education", "health": "health", "social_care": "social care",
                "transport": "home-to-school transport"}
BUDGET_WORDS = {"education": "An education budget", "health": "A health budget",
                "social_care": "A social care budget", "transport": "A home-to-school transport budget"}
ARRANGEMENT_WORDS = {"direct_payment": "direct payments", "third_party": "a third-party arrangement",
                     "notional": "a notional (organised) arrangement"}


@dataclass(frozen=True)
class Reason:
    rule: str
    message: str


@dataclass(frozen=True)
class Recipient:
    """Who would receive direct payments (ELIG-06/07)."""

    role: RecipientRole
    capable_of_managing: bool
    consents: bool
    drug_or_alcohol_requirement: bool


@dataclass(frozen=True)
class Evidence:
    """What an ELIG-12 decline rests on: a plain-English description and the document it is in."""

    description: str
    reference: str


@dataclass(frozen=True)
class Decline:
    """ELIG-12: the LA declines the personal budget, or part of it, because securing it would harm the provision
    made for others or be an inefficient use of resources. Neither ``streams`` nor ``arrangements``: the whole
    budget (every stream)."""

    ground: DeclineGround
    reason: str
    evidence: tuple[Evidence, ...]
    declined_on: date
    streams: tuple[str, ...] = ()
    arrangements: tuple[str, ...] = ()

    @property
    def whole(self) -> bool:
        return not self.streams and not self.arrangements

    @classmethod
    def from_fact(cls, fact: dict[str, Any]) -> Decline:
        return cls(ground=fact["ground"], reason=fact["reason"],
                   evidence=tuple(Evidence(e["description"], e["reference"]) for e in fact["evidence"]),
                   declined_on=date.fromisoformat(fact["declined_on"]), streams=tuple(fact.get("streams", ())),
                   arrangements=tuple(fact.get("arrangements", ())))


@dataclass(frozen=True)
class Transition:
    """ELIG-14: the transition plan (preparing for adulthood) recorded at a review from year 9."""

    reviewed_on: date
    plan: str

    @classmethod
    def from_fact(cls, fact: dict[str, Any] | None) -> Transition | None:
        return None if not fact else cls(date.fromisoformat(fact["reviewed_on"]), fact["plan"])


@dataclass(frozen=True)
class EligibilityRequest:
    date_of_birth: date
    requested_on: date
    requested_by: Requester
    ehcp_stage: EhcpStage
    streams: tuple[Stream, ...]
    arrangements: tuple[Arrangement, ...]
    recipient: Recipient | None = None
    in_custody: bool = False
    provision_on_setting_premises: bool = False
    setting_agreement: bool | None = None
    custody_rule: bool = True  # ELIG-08 is a DEFAULT: the LA's configuration decides whether it applies
    continuing_care: bool = False  # ELIG-13: eligible for NHS continuing care
    care_leaver: bool = False  # ELIG-14: a care leaver keeps their entitlement after 18
    transition: Transition | None = None  # ELIG-14: the transition plan, from the year-9 review
    declines: tuple[Decline, ...] = ()  # ELIG-12: the LA's declines in force

    @classmethod
    def from_facts(cls, facts: dict[str, Any], *, custody_rule: bool) -> EligibilityRequest:
        """The request a decision's stored ``facts`` (JSON: the request as made, with any review's corrections)
        describe, under the LA's ELIG-08 setting."""
        recipient = facts.get("recipient")
        return cls(
            date_of_birth=date.fromisoformat(facts["date_of_birth"]),
            requested_on=date.fromisoformat(facts["requested_on"]), requested_by=facts["requested_by"],
            ehcp_stage=facts["ehcp_stage"], streams=tuple(facts["streams"]),
            arrangements=tuple(facts["arrangements"]),
            recipient=Recipient(**recipient) if recipient else None, in_custody=facts["in_custody"],
            provision_on_setting_premises=facts["provision_on_setting_premises"],
            setting_agreement=facts["setting_agreement"], custody_rule=custody_rule,
            # Requests recorded before ELIG-13 was served have no such fact: not known to be eligible.
            continuing_care=facts.get("continuing_care", False),
            # Facts of ELIG-12 and ELIG-14, absent from requests recorded before they were served.
            care_leaver=facts.get("care_leaver", False), transition=Transition.from_fact(facts.get("transition")),
            declines=tuple(Decline.from_fact(d) for d in facts.get("declines") or ()),
        )


@dataclass(frozen=True)
class Outcome:
    """One stream's eligibility or one arrangement's permission, with its reasons."""

    granted: bool
    reasons: tuple[Reason, ...]
