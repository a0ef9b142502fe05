"""The eligibility rules ELIG-01..09 and ELIG-13 as pure functions: a request in, a decision with every reason
out.

No I/O here. ``decide`` looks at every rule, not only the first that refuses, so a decision explains itself
(ELIG-10): a refused stream or arrangement lists every reason it was refused; an eligible stream or allowed
arrangement lists the grounds it was granted on. ELIG-05 (optional, only what was asked) is why a decision
covers exactly the streams and arrangements requested and nothing else, with one exception the law makes:
ELIG-13 offers the health stream to a child or young person eligible for NHS continuing care even when it was
not asked for.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

from services.eligibility.ages import AGE_LIMIT, age_on, is_young_person, young_person_from

# Bump when a rule's logic changes; every decision records the version it was made under (ELIG-11).
RULES_VERSION = "2026.12"

Stream = Literal["education", "health", "social_care", "transport"]
Arrangement = Literal["direct_payment", "third_party", "notional"]
EhcpStage = Literal["none", "assessment", "plan_to_be_issued", "issued", "annual_review", "reassessment",
                    "ceased"]
Requester = Literal["parent", "young_person"]
RecipientRole = Literal["parent", "young_person", "nominee", "representative"]
Status = Literal["eligible", "partially_eligible", "not_eligible"]

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


@dataclass(frozen=True)
class Outcome:
    """One stream's eligibility or one arrangement's permission, with its reasons."""

    granted: bool
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Decision:
    status: Status
    streams: dict[str, Outcome]
    arrangements: dict[str, Outcome]
    rules_version: str = RULES_VERSION

    @property
    def eligible_streams(self) -> list[str]:
        return [s for s, o in self.streams.items() if o.granted]

    @property
    def allowed_arrangements(self) -> list[str]:
        return sorted(a for a, o in self.arrangements.items() if o.granted)


def input_errors(request: EligibilityRequest, *, today: date | None = None) -> list[tuple[str, str]]:
    """What makes a request unanswerable (a 4xx), as (field, message). A refusal is not an error."""
    errors = []
    # A day's grace: the family's calendar day may already be tomorrow in UTC terms.
    if today is not None and request.requested_on > today + timedelta(days=1):
        errors.append(("requested_on", f"is in the future (today is {today.isoformat()})"))
    if request.date_of_birth > request.requested_on:
        errors.append(("date_of_birth", "is after requested_on; the child must be born before the request"))
    if "direct_payment" in request.arrangements and request.recipient is None:
        errors.append(("recipient", "is required when direct_payment is asked for (ELIG-06)"))
    return errors


def decide(request: EligibilityRequest) -> Decision:
    """Every requested stream and arrangement, each with every reason that applies (ELIG-05, ELIG-10)."""
    barriers = _whole_request_barriers(request)
    streams = {s: _stream(s, request, barriers) for s in request.streams}
    offer = _health_offer(request, barriers)
    if offer is not None:
        streams["health"] = offer
    eligible = [s for s, o in streams.items() if o.granted]
    arrangements = {a: _arrangement(a, request, streams, eligible) for a in request.arrangements}
    if not eligible:
        status: Status = "not_eligible"
    elif len(eligible) == len(streams) and any(o.granted for o in arrangements.values()):
        status = "eligible"
    else:
        status = "partially_eligible"
    return Decision(status=status, streams=streams, arrangements=arrangements)


def _whole_request_barriers(request: EligibilityRequest) -> list[Reason]:
    """Refusals that close every stream and arrangement: ELIG-04 (age, who asks) and ELIG-08 (custody)."""
    reasons = []
    on = request.requested_on.isoformat()
    age = age_on(request.date_of_birth, request.requested_on)
    if age >= AGE_LIMIT:
        reasons.append(Reason("ELIG-04", f"Aged {age} on {on}: personal budgets are for children and young "
                                         f"people under {AGE_LIMIT}."))
    if request.requested_by == "young_person" and not is_young_person(request.date_of_birth,
                                                                      request.requested_on):
        starts = young_person_from(request.date_of_birth).isoformat()
        reasons.append(Reason("ELIG-04", f"Not yet a young person on {on} (that starts on {starts}, after "
                                         "the school year in which they turn 16), so the parent makes the "
                                         "request."))
    if request.in_custody and request.custody_rule:
        reasons.append(Reason("ELIG-08", "In custody: there is no personal budget for the period in "
                                         "custody."))
    return reasons


def _stream(stream: str, request: EligibilityRequest, barriers: list[Reason]) -> Outcome:
    refusals = list(barriers)
    stage, budget = request.ehcp_stage, BUDGET_WORDS[stream]
    if stream in PLAN_STREAMS:
        if stage not in PLAN_STAGES:
            refusals.append(Reason("ELIG-03", f"{budget} needs an EHCP; there is "
                                              f"{STAGE_WORDS[stage]}. A health or social care budget is "
                                              "still possible."))
        if stage not in REQUEST_STAGES:
            refusals.append(Reason("ELIG-02", f"{budget} is requested at the draft plan, an annual "
                                              f"review or a re-assessment, not with {STAGE_WORDS[stage]}."))
    if stream == "health" and continuing_care_applies(request):
        # ELIG-13: a right to a personal health budget that only custody (ELIG-08) can take away.
        refusals = [_CUSTODY_WITH_CONTINUING_CARE] if any(r.rule == "ELIG-08" for r in refusals) else []
    if refusals:
        return Outcome(False, tuple(refusals))
    return Outcome(True, tuple(_stream_grounds(stream, request)))


_CUSTODY_WITH_CONTINUING_CARE = Reason(
    "ELIG-08", "In custody: there is no personal budget for the period in custody, not even the personal "
               "health budget that NHS continuing care gives a right to (ELIG-13); that right returns when the "
               "period in custody ends.")


def continuing_care_applies(request: EligibilityRequest) -> bool:
    """ELIG-13 is a right of a child or young person: eligible for NHS continuing care and under 26."""
    return request.continuing_care and age_on(request.date_of_birth, request.requested_on) < AGE_LIMIT


def _health_offer(request: EligibilityRequest, barriers: list[Reason]) -> Outcome | None:
    """ELIG-13: the health stream offered when it was not asked for. Nothing is offered for a period in
    custody (ELIG-08): the decision then covers only what was asked."""
    if "health" in request.streams or not continuing_care_applies(request):
        return None
    outcome = _stream("health", request, barriers)
    if not outcome.granted:
        return None
    offered = Reason("ELIG-13", "Offered under ELIG-13: not asked for, but a child or young person eligible "
                                "for NHS continuing care has the right to a personal health budget.")
    return Outcome(True, (offered, *(r for r in outcome.reasons if r.rule != "ELIG-13")))


def _stream_grounds(stream: str, request: EligibilityRequest) -> list[Reason]:
    stage, budget = request.ehcp_stage, BUDGET_WORDS[stream]
    if stage in PLAN_STAGES:
        grounds = [Reason("ELIG-01", f"With {STAGE_WORDS[stage]}, the local authority must prepare a "
                                     "personal budget when the family asks.")]
    else:
        grounds = [Reason("ELIG-03", f"{budget} does not need an EHCP.")]
    if stream in PLAN_STREAMS:
        grounds.append(Reason("ELIG-02", f"Requested at {STAGE_WORDS[stage]}, one of the stages at which "
                                         f"{budget.lower()} is requested."))
    if stream == "health" and continuing_care_applies(request):
        grounds.insert(0, Reason("ELIG-13", "Eligible for NHS continuing care: the child or young person has "
                                            "the right to a personal health budget."))
    age = age_on(request.date_of_birth, request.requested_on)
    who = "the young person" if request.requested_by == "young_person" else "the parent"
    grounds.append(Reason("ELIG-04", f"Aged {age} on {request.requested_on.isoformat()}, under {AGE_LIMIT}; "
                                     f"requested by {who}."))
    if request.in_custody:
        grounds.append(Reason("ELIG-08", "In custody, but this local authority does not apply the custody "
                                         "rule."))
    return grounds


def _arrangement(arrangement: str, request: EligibilityRequest, streams: dict[str, Outcome],
                 eligible: list[str]) -> Outcome:
    refusals: list[Reason] = []
    if not eligible:  # no budget to hold: the streams' reasons are the arrangement's
        refusals += _unique(r for o in streams.values() for r in o.reasons)
    if arrangement == "direct_payment":
        refusals += direct_payment_refusals(request)
    if refusals:
        return Outcome(False, tuple(refusals))
    if arrangement == "direct_payment":
        return Outcome(True, tuple(_direct_payment_grounds(request)))
    basis = "ELIG-01" if request.ehcp_stage in PLAN_STAGES else "ELIG-03"
    names = ", ".join(STREAM_WORDS[s] for s in eligible)
    grounds = [Reason(basis, f"Open: {ARRANGEMENT_WORDS[arrangement]} can hold the eligible streams "
                             f"({names}).")]
    if request.recipient is not None and request.recipient.drug_or_alcohol_requirement:
        grounds.append(Reason("ELIG-07", "Direct payments are closed to this recipient, but this arrangement "
                                         "stays open."))
    return Outcome(True, tuple(grounds))


def direct_payment_refusals(request: EligibilityRequest) -> list[Reason]:
    """Why direct payments may not be made: ELIG-06 (recipient), ELIG-07 (drug/alcohol), ELIG-09 (setting)."""
    reasons = []
    recipient = request.recipient
    young = is_young_person(request.date_of_birth, request.requested_on)
    if recipient is None:
        reasons.append(Reason("ELIG-06", "No recipient is named: direct payments need a parent, young "
                                         "person, nominee or representative to receive them."))
    else:
        if recipient.role == "young_person" and not young:
            reasons.append(Reason("ELIG-06", "A child who is not yet a young person cannot receive direct "
                                             "payments personally; the parent or a nominee can."))
        if recipient.role == "representative" and not young:
            reasons.append(Reason("ELIG-06", "A representative receives direct payments only for a young "
                                             "person who lacks capacity; for a child, the parent or a "
                                             "nominee does."))
        if not recipient.capable_of_managing:
            reasons.append(Reason("ELIG-06", "The recipient does not appear capable of managing direct "
                                             "payments, even with help."))
        if not recipient.consents:
            reasons.append(Reason("ELIG-06", "The recipient has not consented to receive direct payments."))
        if recipient.drug_or_alcohol_requirement:
            reasons.append(Reason("ELIG-07", "The recipient is under a drug-rehabilitation or "
                                             "alcohol-treatment requirement, so cannot receive direct "
                                             "payments."))
    if request.provision_on_setting_premises and request.setting_agreement is not True:
        reasons.append(Reason("ELIG-09", "Provision on a school's, college's or early-years setting's "
                                         "premises needs the head's or principal's written agreement first; "
                                         "there is none."))
    return reasons


def _direct_payment_grounds(request: EligibilityRequest) -> list[Reason]:
    recipient = request.recipient
    assert recipient is not None  # no recipient is an ELIG-06 refusal
    role = recipient.role.replace("_", " ")
    grounds = [
        Reason("ELIG-06", f"The recipient ({role}) appears capable of managing direct payments and "
                          "consents."),
        Reason("ELIG-07", "The recipient is under no drug-rehabilitation or alcohol-treatment requirement."),
    ]
    if request.provision_on_setting_premises:
        grounds.append(Reason("ELIG-09", "The head or principal has agreed in writing to provision on the "
                                         "setting's premises."))
    return grounds


def _unique(reasons: Iterable[Reason]) -> list[Reason]:
    return list(dict.fromkeys(reasons))
