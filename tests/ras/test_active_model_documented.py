"""``GET /v1/ras/models/active`` has no path parameter, yet answers 404 (no published model, or another LA's): its
OpenAPI operation documents that 404 as problem+json, and the route answers it so."""
from kit.testing import LA2, auth

READ = auth("read", las=[LA2])


async def test_the_active_model_404_is_documented_and_answered_as_problem_json(ras):
    doc = (await ras.client.get("/openapi.json")).json()
    op = doc["paths"]["/v1/ras/models/active"]["get"]
    documented = op["responses"]["404"]
    assert "no published model" in documented["description"]
    assert documented["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    r = await ras.client.get("/v1/ras/models/active", params={"local_authority": LA2}, headers=READ)
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json", r.text
