"""Assessments through the service API: pinned versions, refusals, re-assessment (RAS-02..06, RAS-08)."""
import asyncio
import uuid

import pytest

from kit.testing import LA, LA2, OTHER_LA, auth
from services.ras.service.examples import ecm_model
from tests.ras.helpers import answers_for, assessment_body, published_example

ADMIN = auth("ras-admin", las=[LA, LA2])
CASEWORK = auth("casework", las=[LA, LA2])
READ = auth("read", las=[LA])
OTHER = auth("casework", "read", las=[OTHER_LA])
EXAMPLE = ecm_model(LA)


def child() -> str:
    return f"C-{uuid.uuid4().hex[:10]}"


async def assess(ras, answers, *, la=LA, child_id=None, **extra):
    return await ras.client.post("/v1/ras/assessments", json=assessment_body(la, child_id or child(), answers,
                                                                             **extra), headers=CASEWORK)


@pytest.mark.parametrize(("social_care", "amount_pence"), [
    (69, 0), (70, 50_000), (115, 50_000), (116, 100_000), (185, 600_000), (186, None)])
async def test_ras_03_ras_04_norfolk_band_edges_through_the_api(ras, social_care, amount_pence):
    await published_example(ras.client, ADMIN, LA)
    result = await assess(ras, answers_for(EXAMPLE, social_care=social_care, education=29, health=16))
    assert result.status_code == 201, result.text
    body = result.json()
    assert body["points"] == {"education": 29, "health": 16, "social_care": social_care}
    assert body["indicative_pence"].get("social_care") == amount_pence
    assert body["referred_to_panel"] is (amount_pence is None)
    assert body["referred_streams"] == ([] if amount_pence is not None else ["social_care"])
    assert body["total_indicative_pence"] == 29 * 10_000 + 16 * 7_500 + (amount_pence or 0)


async def test_ras_06_the_result_explains_every_answer_and_each_streams_arithmetic(ras):
    await published_example(ras.client, ADMIN, LA)
    body = (await assess(ras, answers_for(EXAMPLE, social_care=70, education=49, health=0))).json()
    assert [(e["question_id"], e["question_text"]) for e in body["explanation"]] == [
        (q["id"], q["text"]) for q in EXAMPLE["questions"]]
    for stream, points in body["points"].items():
        assert sum(e["points"] for e in body["explanation"] if e["stream"] == stream) == points
    assert body["conversions"]["education"]["arithmetic"] == "49 points × £100.00 a point = £4,900.00"
    assert body["conversions"]["social_care"]["band"] == {"min_points": 70, "max_points": 115,
                                                          "amount_pence": 50_000}
    stored = await ras.client.get(f"/v1/ras/assessments/{body['id']}", headers=READ)
    assert stored.json() == body


async def test_an_assessment_is_pinned_to_the_version_it_names_even_after_a_newer_one_is_published(ras):
    v1 = await published_example(ras.client, ADMIN, LA)
    changed = {k: v for k, v in ecm_model(LA).items() if k not in ("local_authority", "name")}
    changed["conversions"]["education"]["pence_per_point"] = 20_000
    v2 = (await ras.client.post(f"/v1/ras/models/{v1['id']}/versions", json=changed, headers=ADMIN)).json()
    await ras.client.post(f"/v1/ras/models/{v2['id']}/publish", headers=ADMIN)
    answers = answers_for(EXAMPLE, education=8)
    on_active = (await assess(ras, answers)).json()
    pinned = (await assess(ras, answers, model_id=v1["id"])).json()
    assert on_active["model_id"] == v2["id"] and on_active["model_version"] == 2
    assert on_active["indicative_pence"]["education"] == 160_000
    assert (pinned["model_id"], pinned["model_version"], pinned["indicative_pence"]["education"]) == (
        v1["id"], 1, 80_000)


async def test_ras_02_missing_and_unknown_answers_are_a_422_naming_each_field_never_a_zero(ras):
    await published_example(ras.client, ADMIN, LA)
    answers = answers_for(EXAMPLE)
    del answers["fc-siblings"]
    answers["ea-learning"] = "loads"
    answers["shoe-size"] = "some"
    refused = await assess(ras, answers)
    assert refused.status_code == 422 and refused.json()["rule"] == "RAS-02"
    assert {e["field"] for e in refused.json()["errors"]} == {
        "answers.fc-siblings", "answers.ea-learning", "answers.shoe-size"}


async def test_drafts_other_las_models_and_other_las_are_refused(ras):
    draft = (await ras.client.post("/v1/ras/models", json=ecm_model(LA), headers=ADMIN)).json()
    as_draft = await assess(ras, answers_for(EXAMPLE), model_id=draft["id"])
    assert as_draft.status_code == 422 and as_draft.json()["errors"][0]["field"] == "model_id"
    other_model = (await ras.client.post("/v1/ras/models", json=ecm_model(LA2), headers=ADMIN)).json()
    wrong_la = await assess(ras, answers_for(EXAMPLE), model_id=other_model["id"])
    assert wrong_la.status_code == 422 and wrong_la.json()["errors"][0]["field"] == "model_id"
    hidden = await ras.client.post("/v1/ras/assessments", headers=OTHER, json=assessment_body(
        OTHER_LA, child(), answers_for(EXAMPLE), model_id=draft["id"]))
    assert hidden.status_code == 404
    no_model = await ras.client.post("/v1/ras/assessments", headers=OTHER,
                                     json=assessment_body(OTHER_LA, child(), answers_for(EXAMPLE)))
    assert no_model.status_code == 409
    outside = await assess(ras, answers_for(EXAMPLE), la=OTHER_LA)
    assert outside.status_code == 403
    mine = (await assess(ras, answers_for(EXAMPLE))).json()
    assert (await ras.client.get(f"/v1/ras/assessments/{mine['id']}", headers=OTHER)).status_code == 404


async def test_a_reassessment_is_a_new_result_linked_to_the_one_it_supersedes(ras):
    await published_example(ras.client, ADMIN, LA)
    child_id = child()
    first = (await assess(ras, answers_for(EXAMPLE, health=8), child_id=child_id)).json()
    second = await assess(ras, answers_for(EXAMPLE, health=29), child_id=child_id,
                          supersedes_assessment_id=first["id"])
    assert second.status_code == 201 and second.json()["supersedes_assessment_id"] == first["id"]
    again = await assess(ras, answers_for(EXAMPLE), child_id=child_id, supersedes_assessment_id=first["id"])
    assert again.status_code == 409
    someone_else = await assess(ras, answers_for(EXAMPLE), supersedes_assessment_id=second.json()["id"])
    assert someone_else.status_code == 422
    assert someone_else.json()["errors"][0]["field"] == "supersedes_assessment_id"
    unchanged = (await ras.client.get(f"/v1/ras/assessments/{first['id']}", headers=READ)).json()
    assert unchanged == first
    history = (await ras.client.get("/v1/ras/assessments", params={"child_id": child_id},
                                    headers=READ)).json()
    assert [a["id"] for a in history["items"]] == [second.json()["id"], first["id"]]


async def test_the_same_idempotency_key_replays_the_first_result(ras):
    await published_example(ras.client, ADMIN, LA)
    body = assessment_body(LA, child(), answers_for(EXAMPLE, education=21))
    headers = {**CASEWORK, "Idempotency-Key": uuid.uuid4().hex}
    first = await ras.client.post("/v1/ras/assessments", json=body, headers=headers)
    replay = await ras.client.post("/v1/ras/assessments", json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.json()["id"] == first.json()["id"] and replay.headers["Idempotent-Replayed"] == "true"
    listed = (await ras.client.get("/v1/ras/assessments", params={"child_id": body["child_id"]},
                                   headers=READ)).json()
    assert len(listed["items"]) == 1


async def test_two_reassessments_racing_to_supersede_one_result_leave_a_single_successor(ras):
    await published_example(ras.client, ADMIN, LA)
    child_id = child()
    first = (await assess(ras, answers_for(EXAMPLE), child_id=child_id)).json()
    racing = await asyncio.gather(*(assess(ras, answers_for(EXAMPLE, health=8 * n), child_id=child_id,
                                           supersedes_assessment_id=first["id"]) for n in (1, 2)))
    assert sorted(r.status_code for r in racing) == [201, 409]
    history = (await ras.client.get("/v1/ras/assessments", params={"child_id": child_id},
                                    headers=READ)).json()["items"]
    assert len(history) == 2
