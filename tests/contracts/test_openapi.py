"""The surface CONTRACT.md fixes is what the service documents in its OpenAPI, with its rules explained."""
from tests.contracts.conftest import READ


async def test_the_fixed_contract_paths_are_served_and_documented(svc):
    r = await svc.client.get("/openapi.json")
    paths = r.json()["paths"]
    assert {"post", "get"} <= set(paths["/v1/contracts"])
    assert "post" in paths["/v1/contracts/{contract_id}/transfer-requests"]
    assert "get" in paths["/v1/contracts/reviews-due"]
    assert "get" in paths["/v1/contracts/{contract_id}/summary"]
    assert "post" in paths["/v1/contracts/transfers/{transfer_id}/withdraw"]
    transfer_doc = paths["/v1/contracts/{contract_id}/transfer-requests"]["post"]["description"]
    for words in ("CON-02", "CON-04", "CON-05", "CON-06", "evidence_required", "price_held_until",
                  "pool_members", "wishes_recorded_on", "Idempotency-Key"):
        assert words in transfer_doc
    assert (await svc.client.get("/v1/contracts/healthz", headers=READ)).json() == {"status": "ok"}
