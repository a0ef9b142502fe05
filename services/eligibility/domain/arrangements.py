"""Whether each requested arrangement may hold the budget, with every reason: an arrangement needs an eligible
stream to hold; direct payments also need a capable, consenting recipient (ELIG-06), no drug or alcohol
requirement (ELIG-07) and, for provision on a setting's premises, the head's written agreement (ELIG-09)."""
from __future__ import annotations

from collections.abc import Iterable

from services.eligibility.domain.ages import is_young_person
from services.eligibility.domain.values import (
    ARRANGEMENT_WORDS,
    PLAN_STAGES,
    STREAM_WORDS,
    EligibilityRequest,
    Outcome,
    Reason,
)


def arrangement_outcome(arrangement: str, request: EligibilityRequest, streams: dict[str, Outcome],
                        eligible: list[str]) -> Outcome:
    """One arrangement: every refusal (the streams' when none is eligible, ELIG-06/07/09), or its grounds."""
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
