"""The RAS journey through the gateway with the dev clients: publish the example model, assess, read back."""
from kit.testing import LA, eventually
from services.ras.service.examples import ecm_model
from tests.ras.helpers import answers_for, assessment_body


async def test_a_caseworker_gets_an_explained_indicative_budget_through_the_gateway(platform):
    """The result is an indicative amount per stream, a starting point for planning (RAS-05, RAS-08)."""
    admin = await platform.token("dev-admin")
    casework = await platform.token("dev-casework")
    other = await platform.token("dev-other-la")
    created = await platform.client.post("/v1/ras/models", json=ecm_model(LA), headers=admin)
    assert created.status_code == 201, created.text
    model_id = created.json()["id"]
    assert (await platform.client.post(f"/v1/ras/models/{model_id}/publish",
                                       headers=admin)).status_code == 200

    answers = answers_for(ecm_model(LA), education=42, health=21, social_care=116)
    assessed = await platform.client.post("/v1/ras/assessments", headers=casework,
                                          json=assessment_body(LA, "C-gw-1", answers))
    assert assessed.status_code == 201, assessed.text
    result = assessed.json()
    assert result["indicative_pence"] == {"education": 420_000, "health": 157_500, "social_care": 100_000}
    assert result["total_indicative_pence"] == 677_500 and result["model_id"] == model_id

    read = await platform.client.get(f"/v1/ras/assessments/{result['id']}", headers=casework)
    assert read.status_code == 200 and read.json() == result
    assert (await platform.client.get(f"/v1/ras/assessments/{result['id']}",
                                      headers=other)).status_code == 404
    assert (await platform.client.post("/v1/ras/models", json=ecm_model(LA),
                                       headers=casework)).status_code == 403
    unauthenticated = await platform.client.get(f"/v1/ras/assessments/{result['id']}")
    assert unauthenticated.status_code == 401
    spec = (await platform.client.get("/openapi.json")).json()
    assert "/v1/ras/models/{model_id}/calibrations" in spec["paths"]


async def test_BUD_12_a_change_of_circumstances_on_a_budget_opens_a_reassessment_that_the_next_assessment_closes(
        platform, clock):
    """Through the gateway as the council's systems would: the budget records a change of circumstances, RAS lists
    the re-assessment it asks for, and the child's next assessment (sent twice with one Idempotency-Key) completes
    it once. Another LA's client and the wrong child see nothing; a change dated in year 9999 is refused at the
    budget and asks for nothing."""
    from datetime import date

    from sendpb.journey import Api, Family, run

    today = date(2026, 12, 3)
    clock.set_to(today, tick=True)  # the platform's clock: nothing here depends on the calendar

    facts = await run(Api(platform.client), Family("Reassess", LA, date(2014, 5, 5)), today=today, story=[])
    casework = await platform.token("dev-casework")
    other = await platform.token("dev-other-la")
    child, budget_id = facts["child_id"], facts["budget_id"]
    url = f"/v1/budgets/{budget_id}/review-requests"
    far = await platform.client.post(url, headers=casework, json={
        "requested_on": "9999-12-20", "reason": "a date typed wrong", "circumstances_changed": True})
    assert far.status_code == 422 and "requested_on" in far.text
    changed = await platform.client.post(url, headers=casework, json={
        "requested_on": str(today), "reason": "a new diagnosis of epilepsy", "circumstances_changed": True})
    assert changed.status_code == 201 and changed.json()["reassessment_requested"] is True, changed.text

    async def listed():
        r = await platform.client.get("/v1/ras/reassessments", params={"child_id": child}, headers=casework)
        return r.json()["items"]

    [opened] = await eventually(listed)
    assert (opened["budget_id"], opened["status"], opened["reason"]) == (
        budget_id, "open", "a new diagnosis of epilepsy")
    assert (await platform.client.get("/v1/ras/reassessments", params={"child_id": "C-someone-else"},
                                      headers=casework)).json()["items"] == []
    hidden = await platform.client.get(f"/v1/ras/reassessments/{opened['id']}", headers=other)
    assert hidden.status_code == 404 and child not in hidden.text
    assert (await platform.client.get("/v1/ras/reassessments", params={"child_id": child},
                                      headers=other)).json()["items"] == []

    answers = answers_for(ecm_model(LA), education=42, health=21, social_care=116)
    key = {**casework, "Idempotency-Key": f"reassess-{child}"}
    first = await platform.client.post("/v1/ras/assessments", headers=key, json=assessment_body(
        LA, child, answers, supersedes_assessment_id=facts["ids"]["assessment_id"]))
    replay = await platform.client.post("/v1/ras/assessments", headers=key, json=assessment_body(
        LA, child, answers, supersedes_assessment_id=facts["ids"]["assessment_id"]))
    assert first.status_code == replay.status_code == 201, first.text
    assert replay.json() == first.json() and first.json()["reassessment_request_ids"] == [opened["id"]]
    done = (await platform.client.get(f"/v1/ras/reassessments/{opened['id']}", headers=casework)).json()
    assert (done["status"], done["assessment_id"]) == ("completed", first.json()["id"])
