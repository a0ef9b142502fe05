"""Whether each requested funding stream is eligible, with every reason: the whole request's barriers (ELIG-04
age and who asks, ELIG-08 custody), the stage × stream rules (ELIG-01/02/03) and NHS continuing care's right to
a personal health budget (ELIG-13)."""
from __future__ import annotations

from services.eligibility.domain.adulthood import young_person_grounds
from services.eligibility.domain.ages import AGE_LIMIT, age_on, is_young_person, young_person_from
from services.eligibility.domain.values import (
    BUDGET_WORDS,
    PLAN_STAGES,
    PLAN_STREAMS,
    REQUEST_STAGES,
    STAGE_WORDS,
    EligibilityRequest,
    Outcome,
    Reason,
)

_CUSTODY_WITH_CONTINUING_CARE = Reason(
    "ELIG-08", "In custody: there is no personal budget for the period in custody, not even the personal "
               "health budget that NHS continuing care gives a right to (ELIG-13); that right returns when the "
               "period in custody ends.")


def whole_request_barriers(request: EligibilityRequest) -> list[Reason]:
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


def stream_outcome(stream: str, request: EligibilityRequest, barriers: list[Reason]) -> Outcome:
    """One stream: every refusal (the barriers, ELIG-02/03), or the grounds it is eligible on."""
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


def continuing_care_applies(request: EligibilityRequest) -> bool:
    """ELIG-13 is a right of a child or young person: eligible for NHS continuing care and under 26."""
    return request.continuing_care and age_on(request.date_of_birth, request.requested_on) < AGE_LIMIT


def health_offer(request: EligibilityRequest, barriers: list[Reason]) -> Outcome | None:
    """ELIG-13: the health stream offered when it was not asked for. Nothing is offered for a period in
    custody (ELIG-08): the decision then covers only what was asked."""
    if "health" in request.streams or not continuing_care_applies(request):
        return None
    outcome = stream_outcome("health", request, barriers)
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
    grounds += young_person_grounds(request)  # ELIG-14
    if request.in_custody:
        grounds.append(Reason("ELIG-08", "In custody, but this local authority does not apply the custody "
                                         "rule."))
    return grounds
