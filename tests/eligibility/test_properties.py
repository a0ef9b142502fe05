"""Properties of every decision over generated requests (hypothesis, bounded)."""
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.eligibility.domain import (
    ARRANGEMENTS,
    EHCP_STAGES,
    STREAMS,
    Decline,
    EligibilityRequest,
    Evidence,
    Recipient,
    continuing_care_applies,
    decide,
)
from services.eligibility.domain.ages import is_young_person

recipients = st.none() | st.builds(
    Recipient, role=st.sampled_from(["parent", "young_person", "nominee", "representative"]),
    capable_of_managing=st.booleans(), consents=st.booleans(), drug_or_alcohol_requirement=st.booleans(),
)


@st.composite
def requests(draw) -> EligibilityRequest:
    requested_on = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
    born = requested_on - timedelta(days=draw(st.integers(min_value=0, max_value=30 * 366)))
    return EligibilityRequest(
        date_of_birth=born, requested_on=requested_on,
        requested_by=draw(st.sampled_from(["parent", "young_person"])),
        ehcp_stage=draw(st.sampled_from(EHCP_STAGES)),
        streams=tuple(draw(st.lists(st.sampled_from(STREAMS), min_size=1, max_size=4, unique=True))),
        arrangements=tuple(draw(st.lists(st.sampled_from(ARRANGEMENTS), min_size=1, max_size=3,
                                         unique=True))),
        recipient=draw(recipients), in_custody=draw(st.booleans()),
        provision_on_setting_premises=draw(st.booleans()), setting_agreement=draw(st.none() | st.booleans()),
        custody_rule=draw(st.booleans()), continuing_care=draw(st.booleans()),
    )


def forbidden_by(request: EligibilityRequest) -> set[str]:
    """The rules that, on their own reading of DOMAIN.md, forbid direct payments for this request."""
    r = request.recipient
    rules = set()
    if r is None or not r.capable_of_managing or not r.consents:
        rules.add("ELIG-06")
    if r is not None and r.drug_or_alcohol_requirement:
        rules.add("ELIG-07")
    if request.provision_on_setting_premises and request.setting_agreement is not True:
        rules.add("ELIG-09")
    return rules


@settings(max_examples=300, deadline=None)
@given(requests().filter(lambda r: "direct_payment" in r.arrangements))
def test_ELIG_06_07_09_direct_payment_is_never_allowed_while_a_rule_forbids_it(request):
    decision = decide(request)
    outcome = decision.arrangements["direct_payment"]
    forbidding = forbidden_by(request)
    if forbidding:
        assert not outcome.granted
        assert forbidding <= {r.rule for r in outcome.reasons}, "every forbidding rule is given as a reason"
    elif decision.eligible_streams and _role_fits(request):
        assert outcome.granted, "nothing forbids direct payments, so they are allowed"


def _role_fits(request: EligibilityRequest) -> bool:
    """ELIG-06: a young person or a representative receives direct payments only for a young person."""
    if request.recipient.role in ("young_person", "representative"):
        return is_young_person(request.date_of_birth, request.requested_on)
    return True


@settings(max_examples=300, deadline=None)
@given(requests())
def test_every_decision_explains_itself_and_its_status_follows_from_its_parts(request):
    decision = decide(request)
    offered = [s for s in decision.streams if s not in request.streams]
    assert list(decision.streams) == [*request.streams, *offered]   # ELIG-05: what was asked ...
    assert offered in ([], ["health"])                              # ... and only ELIG-13's offer besides
    assert set(decision.arrangements) == set(request.arrangements)
    for outcome in [*decision.streams.values(), *decision.arrangements.values()]:
        assert outcome.reasons, "ELIG-10: a stream or arrangement always says why"
        assert all(r.rule.startswith("ELIG-") and r.message for r in outcome.reasons)
    eligible = [o.granted for o in decision.streams.values()]
    allowed = [o.granted for o in decision.arrangements.values()]
    if not any(eligible):
        assert decision.status == "not_eligible" and not any(allowed)
    elif all(eligible) and any(allowed):
        assert decision.status == "eligible"
    else:
        assert decision.status == "partially_eligible"


@settings(max_examples=300, deadline=None)
@given(requests().filter(continuing_care_applies))
def test_ELIG_13_continuing_care_health_is_refused_on_no_ground_but_custody(request):
    decision = decide(request)
    in_custody = request.in_custody and request.custody_rule
    health = decision.streams.get("health")
    if health is None:
        assert in_custody and "health" not in request.streams, "offered unless in custody"
        return
    assert health.granted is not in_custody
    if in_custody:
        assert [r.rule for r in health.reasons] == ["ELIG-08"]
    else:
        assert health.reasons[0].rule == "ELIG-13" and "health" in decision.eligible_streams


declines = st.lists(st.builds(
    Decline, ground=st.sampled_from(["harm_to_others", "inefficient_use"]), reason=st.just("Poor value."),
    evidence=st.just((Evidence("A costed comparison", "DOC-1"),)), declined_on=st.just(date(2026, 11, 23)),
    streams=st.lists(st.sampled_from(STREAMS), unique=True, max_size=2).map(tuple),
    arrangements=st.lists(st.sampled_from(ARRANGEMENTS), unique=True, max_size=2).map(tuple)), max_size=2)


@settings(max_examples=300, deadline=None)
@given(requests(), declines)
def test_ELIG_12_what_a_decline_covers_is_never_granted_save_the_continuing_care_health_budget(request, made):
    decision = decide(replace(request, declines=tuple(made)))
    protected = continuing_care_applies(request)
    for decline in made:
        for stream in (decision.streams if decline.whole else decline.streams):
            if stream in decision.streams and not (protected and stream == "health"):
                assert not decision.streams[stream].granted
                assert "ELIG-12" in [r.rule for r in decision.streams[stream].reasons]
        for arrangement in decline.arrangements:
            if arrangement in decision.arrangements:
                assert not decision.arrangements[arrangement].granted
    if protected and not (request.in_custody and request.custody_rule):
        assert "health" in decision.eligible_streams, "ELIG-13 over ELIG-12"
