"""The state transitions of BUD-06 (stages and panel), BUD-09 (reviews) and BUD-10 (variations), as pure domain
functions: no database, no app. The use cases only write what these return."""
from datetime import date

import pytest

from services.budget.domain import stages
from services.budget.domain.reviews import (
    NextReview,
    ReviewRefused,
    after_review_held,
    brought_forward,
    first_review,
    reviewable,
)
from services.budget.domain.variations import (
    VariationRefused,
    VariationState,
    due_to_apply,
    proposed,
    reconsideration_asked,
    reconsideration_decided,
)

TODAY = date(2026, 12, 3)


# ------------------------------------------------------------------------------------------------ BUD-06 stages
@pytest.mark.parametrize("status", ["draft", "indicative"])
def test_BUD_06_a_draft_or_indicative_budget_with_provision_is_submitted_to_panel(status):
    assert stages.submitted(status, provision_lines=1) == "submitted"


def test_BUD_06_a_budget_goes_to_panel_with_its_provision_BUD_02():
    with pytest.raises(stages.StageRefused) as refused:
        stages.submitted("draft", provision_lines=0)
    assert refused.value.rule == "BUD-02"


@pytest.mark.parametrize("status", ["submitted", "agreed", "closed"])
def test_BUD_06_only_a_draft_or_indicative_budget_is_submitted(status):
    with pytest.raises(stages.StageRefused, match=f"this one is {status}") as refused:
        stages.submitted(status, provision_lines=3)
    assert refused.value.rule is None  # the stage refuses it: a conflict, not a rule


def test_BUD_06_an_approval_above_the_deciders_limit_is_escalated_and_extra_funding_is_what_exceeds_the_indicative():
    ruling = stages.panel_ruling("submitted", stream="health", requested="approved", agreed_pence=6_000_000,
                                 indicative_pence=4_000_000, authority="stream", limit_pence=5_000_000,
                                 decided_by="panel chair")
    assert (ruling.requested, ruling.decision, ruling.extra_pence) == ("approved", "escalated", 2_000_000)
    within = stages.panel_ruling("submitted", stream="health", requested="approved", agreed_pence=3_000_000,
                                 indicative_pence=4_000_000, authority="senior", limit_pence=5_000_000,
                                 decided_by="director")
    assert (within.decision, within.extra_pence, within.authority) == ("approved", 0, "senior")


@pytest.mark.parametrize("status", ["draft", "indicative", "agreed", "closed"])
def test_BUD_06_the_panel_decides_only_a_submitted_budget(status):
    with pytest.raises(stages.StageRefused, match="submitted budget"):
        stages.panel_ruling(status, stream="health", requested="approved", agreed_pence=1, indicative_pence=1,
                            authority="stream", limit_pence=10, decided_by="x")


def test_BUD_06_only_a_submitted_budget_is_agreed_and_a_closed_one_is_not_closed_again():
    assert stages.agreed("submitted") == "agreed"
    for status in ("draft", "indicative", "agreed", "closed"):
        with pytest.raises(stages.StageRefused):
            stages.agreed(status)
    assert all(stages.closed(s) == "closed" for s in ("draft", "indicative", "submitted", "agreed"))
    with pytest.raises(stages.StageRefused, match="already closed"):
        stages.closed("closed")


# ------------------------------------------------------------------------------------------------ BUD-09 reviews
def test_BUD_09_the_first_review_falls_the_first_interval_after_agreement():
    assert first_review(date(2026, 1, 31), (3, 12)) == NextReview(
        date(2026, 4, 30), "first",
        "BUD-09, BUD-12: the first review, 3 months after agreement (the LA's cadence: 3 months, then every 12 "
        "months)")


@pytest.mark.parametrize("cadence, held, due, kind", [
    ((3, 12), 1, date(2027, 12, 3), "annual"),
    ((3, 6, 12), 1, date(2027, 6, 3), "scheduled"),
    ((3, 6, 12), 2, date(2027, 12, 3), "annual"),
])
def test_BUD_09_after_a_review_held_the_next_falls_at_the_las_next_interval(cadence, held, due, kind):
    nxt = after_review_held("agreed", TODAY, cadence, reviews_held=held)
    assert (nxt.due, nxt.kind) == (due, kind) and str(TODAY) in nxt.reason


@pytest.mark.parametrize("status", ["draft", "submitted", "closed"])
def test_BUD_09_reviews_are_of_agreed_budgets(status):
    with pytest.raises(ReviewRefused, match=f"this one is {status}"):
        reviewable(status)
    with pytest.raises(ReviewRefused):
        after_review_held(status, TODAY, (3, 12), reviews_held=1)


def test_BUD_09_a_review_asked_for_brings_the_next_review_forward_never_later():
    scheduled = NextReview(date(2027, 3, 1), "annual", "yearly")
    sooner = brought_forward(scheduled, due=date(2027, 1, 5), kind="request", reason="the family asked")
    assert sooner == NextReview(date(2027, 1, 5), "request", "the family asked")
    assert brought_forward(scheduled, due=date(2027, 6, 1), kind="request", reason="later") == scheduled
    assert brought_forward(NextReview(None, None, None), due=TODAY, kind="reassessment", reason="BUD-12").due == TODAY


# ------------------------------------------------------------------------------------------------ BUD-10 variations
def _propose(**kw):
    values = {"stream": "social_care", "current_pence": 100_000, "to_pence": 80_000, "pending_reduction": False,
              "today": TODAY, "reconsideration_days": 28, "current_words": "£1,000.00"}
    return proposed("agreed", **{**values, **kw})


def test_BUD_10_an_increase_applies_at_once_a_reduction_is_a_notice_with_a_window():
    increase = _propose(to_pence=120_000)
    assert (increase.kind, increase.applies_now, increase.reconsider_by) == ("increase", True, None)
    reduction = _propose()
    assert (reduction.kind, reduction.status, reduction.applies_now) == ("reduction", "notice_issued", False)
    assert reduction.reconsider_by == date(2026, 12, 31)


def test_BUD_10_what_cannot_be_varied():
    with pytest.raises(VariationRefused, match="only an agreed budget"):
        proposed("submitted", stream="health", current_pence=1, to_pence=2, pending_reduction=False, today=TODAY,
                 reconsideration_days=28, current_words="£0.01")
    with pytest.raises(VariationRefused) as same:
        _propose(to_pence=100_000)
    assert same.value.field == "agreed_pence" and same.value.invalid
    with pytest.raises(VariationRefused) as pending:
        _propose(pending_reduction=True)
    assert pending.value.rule == "BUD-10"


def test_BUD_10_one_reconsideration_asked_within_the_window():
    notice = VariationState("reduction", "notice_issued", date(2026, 12, 31))
    assert reconsideration_asked(notice, date(2026, 12, 31)) == "reconsideration_requested"
    with pytest.raises(VariationRefused, match="closed on 2026-12-31"):
        reconsideration_asked(notice, date(2027, 1, 1))
    with pytest.raises(VariationRefused, match="one reconsideration"):
        reconsideration_asked(VariationState("reduction", "reconsideration_requested", date(2026, 12, 31)), TODAY)
    with pytest.raises(VariationRefused):
        reconsideration_asked(VariationState("increase", "applied"), TODAY)


def test_BUD_10_the_reconsideration_upheld_applies_the_reduction_withdrawn_keeps_the_amount():
    asked = VariationState("reduction", "reconsideration_requested", date(2026, 12, 31))
    assert reconsideration_decided(asked, "upheld") == "applied"
    assert reconsideration_decided(asked, "withdrawn") == "withdrawn"
    with pytest.raises(VariationRefused, match="no reconsideration"):
        reconsideration_decided(VariationState("reduction", "notice_issued", date(2026, 12, 31)), "upheld")


def test_BUD_10_a_reduction_applies_only_after_its_window_closed_without_a_request():
    notice = VariationState("reduction", "notice_issued", date(2026, 12, 31))
    with pytest.raises(VariationRefused) as early:
        due_to_apply(notice, date(2026, 12, 31))
    assert early.value.rule == "BUD-10" and early.value.details == {"reconsider_by": "2026-12-31"}
    assert due_to_apply(notice, date(2027, 1, 1)) == "applied"
    with pytest.raises(VariationRefused, match="this variation is withdrawn"):
        due_to_apply(VariationState("reduction", "withdrawn", date(2026, 12, 31)), date(2027, 1, 1))
