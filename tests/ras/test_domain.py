"""The RAS rules without a database: validation (RAS-01, RAS-03), scoring (RAS-02..04, RAS-06, RAS-08)."""
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kit.money import pounds
from kit.testing import LA
from services.ras.domain.definition import (
    Band,
    Bands,
    ModelDefinition,
    Option,
    PricePerPoint,
    Question,
    problems,
)
from services.ras.domain.scoring import AnswersInvalid, convert, score
from services.ras.service.examples import ecm_model
from tests.ras.helpers import answers_for

EXAMPLE = ecm_model(LA)
MODEL = ModelDefinition.from_dict(EXAMPLE)
NORFOLK = MODEL.conversions["social_care"]


def fields(model: ModelDefinition) -> dict[str, str]:
    return {p.field: p.rule for p in problems(model)}


def test_the_shipped_example_model_is_valid_and_covers_three_streams_ras_01_ras_08():
    assert problems(MODEL) == []
    assert MODEL.streams == ["education", "health", "social_care"]
    assert {q.domain for q in MODEL.questions} == {"stay_safe", "be_healthy", "enjoy_and_achieve",
                                                    "positive_contribution", "economic_well_being",
                                                    "family_and_carers"}
    assert all([(o.id, o.points) for o in q.options] == [("none", 0), ("some", 8), ("lots", 21),
                                                          ("exceptional", 28)] for q in MODEL.questions)


def test_ras_01_duplicate_question_and_option_ids_and_negative_points_are_each_reported():
    q0 = MODEL.questions[0]
    bad_options = (Option("none", "None", 0), Option("none", "Again", -1))
    model = replace(MODEL, questions=(*MODEL.questions, q0, replace(q0, id="new", options=bad_options)))
    found = fields(model)
    assert found[f"questions[{len(MODEL.questions)}].id"] == "RAS-01"
    assert found[f"questions[{len(MODEL.questions) + 1}].options[1].id"] == "RAS-01"
    assert found[f"questions[{len(MODEL.questions) + 1}].options[1].points"] == "RAS-01"


def test_ras_01_a_question_on_an_unknown_stream_is_reported():
    model = replace(MODEL, questions=(replace(MODEL.questions[0], stream="housing"), *MODEL.questions[1:]))
    assert fields(model)["questions[0].stream"] == "RAS-01"


def test_ras_03_every_stream_with_questions_needs_a_conversion_and_every_conversion_a_stream():
    conversions = {"education": MODEL.conversions["education"], "transport": PricePerPoint(100),
                   "social_care": NORFOLK}
    found = fields(replace(MODEL, conversions=conversions))
    assert found == {"conversions.health": "RAS-03", "conversions.transport": "RAS-03"}


@pytest.mark.parametrize(("bands", "field", "words"), [
    (((1, 69, 0), (70, 185, 5)), "bands[0]", "must start at 0"),
    (((0, 69, 0), (72, 185, 5)), "bands[1]", "70–71 points fall in no band"),
    (((0, 69, 0), (60, 185, 5)), "bands[1]", "overlaps bands[0]"),
    (((0, 69, 0), (70, 180, 5)), "bands[1]", "ceiling is 185"),
    (((0, 69, 0), (70, 190, 5)), "bands[1]", "ceiling is 185"),
    (((0, 69, 0), (100, 70, 5), (101, 185, 5)), "bands[1]", "is above max_points"),
], ids=["RAS-03-not-from-zero", "RAS-03-gap", "RAS-03-overlap", "RAS-03-short-of-ceiling",
        "RAS-03-past-ceiling", "RAS-03-inverted"])
def test_ras_03_bands_must_cover_zero_to_the_ceiling_in_order_without_gaps_or_overlaps(bands, field, words):
    conversion = Bands(tuple(Band(*b) for b in bands))
    model = replace(MODEL, conversions={**MODEL.conversions, "social_care": conversion})
    messages = [p.message for p in problems(model) if p.field == f"conversions.social_care.{field}"]
    assert any(words in m for m in messages), messages


def test_every_problem_is_listed_at_once():
    broken = replace(MODEL, questions=(*MODEL.questions, MODEL.questions[0]),
                     conversions={"social_care": Bands((Band(5, 10, 0),))})
    assert len(problems(broken)) >= 4


@pytest.mark.parametrize(("points", "amount_pence"), [
    (0, 0), (69, 0), (70, 50_000), (115, 50_000), (116, 100_000), (130, 100_000), (131, 150_000),
    (145, 150_000), (146, 280_000), (160, 280_000), (161, 400_000), (170, 400_000), (171, 600_000),
    (185, 600_000), (186, None),
])
def test_ras_03_ras_04_norfolk_band_edges(points, amount_pence):
    result = convert("social_care", points, NORFOLK, 185)
    assert result.amount_pence == amount_pence
    assert result.referred_to_panel is (amount_pence is None)


def test_ras_04_without_a_ceiling_points_outside_every_band_are_referred_to_panel():
    result = convert("social_care", 186, NORFOLK, None)
    assert result.referred_to_panel and result.amount_pence is None
    assert "outside every band" in result.arithmetic


def test_ras_03_price_per_point_is_points_times_pence_with_its_arithmetic_in_words():
    result = convert("education", 49, PricePerPoint(10_250), None)
    assert result.amount_pence == 502_250
    assert result.arithmetic == "49 points × £102.50 a point = £5,022.50"


def test_ras_04_above_the_ceiling_a_price_per_point_stream_is_referred_not_priced():
    result = convert("education", 186, PricePerPoint(10_000), 185)
    assert result.referred_to_panel and result.amount_pence is None


def test_pounds_are_formatted_from_integer_pence():
    assert [pounds(p) for p in (0, 5, 100, 123_456_789, -250)] == ["£0.00", "£0.05", "£1.00", "£1,234,567.89",
                                                                   "-£2.50"]


@pytest.mark.parametrize("points", [69, 70, 115, 116, 185, 186])
def test_ras_02_ras_08_the_example_scores_each_stream_separately(points):
    scored = score(MODEL, answers_for(EXAMPLE, social_care=points, education=49, health=29))
    assert scored.points == {"education": 49, "health": 29, "social_care": points}
    assert scored.indicative_pence["education"] == 49 * 10_000
    assert scored.indicative_pence["health"] == 29 * 7_500
    assert ("social_care" in scored.referred_streams) is (points > 185)
    assert scored.total_indicative_pence == sum(scored.indicative_pence.values())


def test_ras_02_a_missing_answer_an_unknown_question_and_an_unknown_option_are_refused_together():
    answers = answers_for(EXAMPLE)
    del answers["fc-sleep"]
    answers["ea-learning"] = "enormous"
    answers["made-up"] = "lots"
    with pytest.raises(AnswersInvalid) as refused:
        score(MODEL, answers)
    assert {e["field"] for e in refused.value.errors} == {"answers.fc-sleep", "answers.ea-learning",
                                                          "answers.made-up"}


def test_ras_02_a_question_is_never_scored_as_zero_when_unanswered():
    model = ModelDefinition((Question("q", "d", "health", "t", (Option("none", "None", 0),)),),
                            {"health": PricePerPoint(1)})
    with pytest.raises(AnswersInvalid):
        score(model, {})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["none", "some", "lots", "exceptional"]), min_size=17, max_size=17))
def test_ras_06_the_explanation_adds_up_to_the_points_and_the_amounts(levels):
    answers = {q.id: level for q, level in zip(MODEL.questions, levels, strict=True)}
    scored = score(MODEL, answers)
    for stream, points in scored.points.items():
        assert sum(a.points for a in scored.answers if a.stream == stream) == points
    assert [a.question_id for a in scored.answers] == [q.id for q in MODEL.questions]
    for result in scored.streams:
        assert (result.amount_pence is None) is result.referred_to_panel
        assert str(result.points) in result.arithmetic
    assert scored.total_indicative_pence == sum(scored.indicative_pence.values())
    assert set(scored.indicative_pence) | set(scored.referred_streams) == set(scored.points)
