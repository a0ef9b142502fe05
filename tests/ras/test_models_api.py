"""RAS model versions through the service API: draft, validate, publish, new versions (RAS-01, RAS-03)."""
import pytest

from kit.testing import LA, LA2, OTHER_LA, auth
from services.ras.service.examples import ecm_model
from tests.ras.helpers import published_example

ADMIN = auth("ras-admin", las=[LA, LA2])
READ = auth("read", las=[LA, LA2])
CASEWORK = auth("casework", las=[LA, LA2])
OTHER = auth("ras-admin", "casework", "read", las=[OTHER_LA])


async def test_ras_01_a_model_is_created_as_a_draft_then_published_as_the_las_active_model(ras):
    created = await ras.client.post("/v1/ras/models", json=ecm_model(LA2), headers=ADMIN)
    assert created.status_code == 201
    draft = created.json()
    assert (draft["version"], draft["status"], draft["active"], draft["validation"]) == (
        1, "draft", False, {"valid": True, "errors": []})
    published = await ras.client.post(f"/v1/ras/models/{draft['id']}/publish", headers=ADMIN)
    assert published.status_code == 200
    assert (published.json()["status"], published.json()["active"]) == ("published", True)
    active = await ras.client.get("/v1/ras/models/active", params={"local_authority": LA2}, headers=READ)
    assert active.status_code == 200 and active.json()["id"] == draft["id"]


async def test_ras_01_a_published_model_never_changes_and_editing_creates_the_next_version(ras):
    v1 = await published_example(ras.client, ADMIN, LA)
    again = await ras.client.post(f"/v1/ras/models/{v1['id']}/publish", headers=ADMIN)
    assert again.status_code == 409 and again.json()["rule"] == "RAS-01"

    body = {k: v for k, v in ecm_model(LA).items() if k not in ("local_authority", "name")}
    body["conversions"]["education"]["pence_per_point"] = 12_000
    v2 = await ras.client.post(f"/v1/ras/models/{v1['id']}/versions", json=body, headers=ADMIN)
    assert v2.status_code == 201
    v2 = v2.json()
    assert (v2["version"], v2["lineage_id"], v2["previous_version_id"], v2["status"], v2["name"]) == (
        2, v1["id"], v1["id"], "draft", v1["name"])
    still = await ras.client.get(f"/v1/ras/models/{v1['id']}", headers=READ)
    assert still.json()["conversions"]["education"]["pence_per_point"] == 10_000 and still.json()["active"]

    await ras.client.post(f"/v1/ras/models/{v2['id']}/publish", headers=ADMIN)
    old = (await ras.client.get(f"/v1/ras/models/{v1['id']}", headers=READ)).json()
    assert (old["status"], old["active"]) == ("published", False)
    active = await ras.client.get("/v1/ras/models/active", params={"local_authority": LA}, headers=READ)
    assert active.json()["id"] == v2["id"]
    versions = await ras.client.get("/v1/ras/models", params={"lineage_id": v1["id"]}, headers=READ)
    assert [m["version"] for m in versions.json()["items"]] == [2, 1]


async def test_ras_01_ras_03_publishing_an_invalid_model_lists_every_problem(ras):
    body = ecm_model(LA)
    body["questions"].append(dict(body["questions"][0]))
    body["conversions"]["social_care"]["bands"][2]["min_points"] = 120
    del body["conversions"]["health"]
    draft = (await ras.client.post("/v1/ras/models", json=body, headers=ADMIN)).json()
    assert draft["validation"]["valid"] is False
    refused = await ras.client.post(f"/v1/ras/models/{draft['id']}/publish", headers=ADMIN)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in refused.json()["errors"]} == {
        "questions[17].id", "conversions.social_care.bands[2]", "conversions.health"}
    assert (await ras.client.get(f"/v1/ras/models/{draft['id']}", headers=READ)).json()["status"] == "draft"


@pytest.mark.parametrize(("change", "field"), [
    (lambda b: b["questions"][0].update(stream="housing"), "questions.0.stream"),
    (lambda b: b["questions"][0]["options"][1].update(points=-8), "questions.0.options.1.points"),
    (lambda b: b["questions"][0]["options"][1].update(points=8.5), "questions.0.options.1.points"),
    (lambda b: b["questions"][0]["options"][1].update(points=10_001), "questions.0.options.1.points"),
    (lambda b: b["conversions"]["education"].update(pence_per_point=10**9), "conversions.education"),
    (lambda b: b["conversions"].update(education={"method": "guess"}), "conversions.education"),
    (lambda b: b.update(local_authority="Bucks"), "local_authority"),
])
async def test_malformed_models_are_refused_with_a_problem_naming_the_field(ras, change, field):
    body = ecm_model(LA)
    change(body)
    refused = await ras.client.post("/v1/ras/models", json=body, headers=ADMIN)
    assert refused.status_code == 422
    assert any(e["field"].startswith(field) for e in refused.json()["errors"]), refused.json()["errors"]


async def test_models_need_ras_admin_to_write_and_are_hidden_from_other_las(ras):
    assert (await ras.client.post("/v1/ras/models", json=ecm_model(LA), headers=CASEWORK)).status_code == 403
    outside = await ras.client.post("/v1/ras/models", json=ecm_model(OTHER_LA), headers=ADMIN)
    assert outside.status_code == 403 and outside.json()["errors"][0]["field"] == "local_authority"
    model = (await ras.client.post("/v1/ras/models", json=ecm_model(LA), headers=ADMIN)).json()
    assert (await ras.client.get(f"/v1/ras/models/{model['id']}", headers=CASEWORK)).status_code == 200
    for call in (ras.client.get(f"/v1/ras/models/{model['id']}", headers=OTHER),
                 ras.client.post(f"/v1/ras/models/{model['id']}/publish", headers=OTHER),
                 ras.client.get("/v1/ras/models/active", params={"local_authority": LA}, headers=OTHER)):
        assert (await call).status_code == 404
    assert (await ras.client.get("/v1/ras/models", headers=OTHER)).json()["items"] == []
