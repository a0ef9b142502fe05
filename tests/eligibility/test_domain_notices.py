"""ELIG-10 in the domain: what a decision notice tells the family they can do next (``domain/notices.py``)."""
import pytest

from services.eligibility.domain.notices import next_step, refused, review_refusal

GRANTED = {"eligible": True, "reasons": []}
REFUSED = {"eligible": False, "reasons": []}


@pytest.mark.parametrize("streams, arrangements, declines, expected", [
    ({"education": GRANTED}, {"notional": {"allowed": True}}, [], False),
    ({"education": REFUSED}, {"notional": {"allowed": True}}, [], True),
    ({"education": GRANTED}, {"direct_payment": {"allowed": False}}, [], True),
    ({"education": GRANTED}, {"notional": {"allowed": True}}, [{"ground": "inefficient_use"}], True),  # ELIG-12
], ids=["all granted", "a stream refused", "an arrangement refused", "an ELIG-12 decline"])
def test_ELIG_10_a_decision_refuses_when_any_stream_or_arrangement_is_refused_or_declined(
        streams, arrangements, declines, expected):
    assert refused(streams, arrangements, declines) is expected


@pytest.mark.parametrize("refuses, reviewed, in_force, asked, step", [
    (True, False, True, False, "ask_for_review"),
    (True, False, True, True, "review_asked"),
    (True, True, True, False, "complain"),          # no tribunal appeal: after a review, a complaint
    (False, False, True, False, "nothing_refused"),
    (False, True, True, False, "nothing_refused"),
    (True, False, False, True, "replaced"),          # a review (or a decline) replaced it: its notice says what next
])
def test_ELIG_10_the_next_step_open_to_the_family(refuses, reviewed, in_force, asked, step):
    assert next_step(refuses=refuses, reviewed=reviewed, in_force=in_force, review_asked=asked) == step


@pytest.mark.parametrize("step, offered", [("ask_for_review", True), ("review_asked", True), ("complain", False),
                                           ("nothing_refused", False), ("replaced", False)])
def test_ELIG_10_a_review_is_asked_for_only_where_the_notice_offers_one(step, offered):
    refusal = review_refusal(step)
    assert (refusal is None) is offered
    if refusal is not None:
        assert refusal.rule == "ELIG-10" and refusal.message
