"""The RAS journey through the gateway with the dev clients: publish the example model, assess, read back."""
from kit.testing import LA
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
