"""Transfer requests through the service app: reading them back, exceptional sums, ended contracts, scopes."""
from datetime import timedelta

from kit.testing import OTHER_LA, auth
from tests.contracts.conftest import CASEWORK, READ, TODAY, new_contract, transfer_body


async def ask(client, contract_id, body=None, headers=CASEWORK):
    return await client.post(f"/v1/contracts/{contract_id}/transfer-requests", json=body or transfer_body(),
                             headers=headers)


async def test_a_transfer_reads_back_by_id_and_by_child_or_budget(svc):
    c = await new_contract(svc.client)
    body = transfer_body()
    t = (await ask(svc.client, c["id"], body)).json()
    assert (await svc.client.get(f"/v1/contracts/transfers/{t['id']}", headers=READ)).json() == t
    assert t["evidence"] == body["evidence"] and t["requested_by"] == "test-client"
    for params in ({"child_id": body["child_id"]}, {"budget_id": body["budget_id"]}):
        page = (await svc.client.get("/v1/contracts/transfers", params=params, headers=READ)).json()
        assert [x["id"] for x in page["items"]] == [t["id"]]
    by_contract = (await svc.client.get(f"/v1/contracts/{c['id']}/transfer-requests", headers=READ)).json()
    assert [x["id"] for x in by_contract["items"]] == [t["id"]]
    unfiltered = await svc.client.get("/v1/contracts/transfers", headers=READ)
    assert unfiltered.status_code == 422 and unfiltered.json()["errors"][0]["field"] == "child_id"


async def test_another_las_transfer_is_not_found_and_cannot_be_withdrawn(svc):
    c = await new_contract(svc.client)
    t = (await ask(svc.client, c["id"])).json()
    stranger = auth("commissioning", "casework", "read", las=[OTHER_LA])
    assert (await svc.client.get(f"/v1/contracts/transfers/{t['id']}", headers=stranger)).status_code == 404
    r = await svc.client.post(f"/v1/contracts/transfers/{t['id']}/withdraw", json={"reason": "x"},
                              headers=stranger)
    assert r.status_code == 404
    contract = (await svc.client.get(f"/v1/contracts/{c['id']}", headers=READ)).json()
    assert contract["release"]["released_units"] == 12


async def test_CON_05_an_exceptional_reason_is_recorded_and_allows_more_than_the_block_cost(svc):
    c = await new_contract(svc.client)
    body = transfer_body(units=10, proposed_unit_price_pence=130_00,
                         exceptional_reason="only a BSL-fluent therapist can work with him")
    t = (await ask(svc.client, c["id"], body)).json()
    assert (t["decision"], t["release_pence"], t["block_cost_pence"]) == ("approved", 1_300_00, 1_000_00)
    assert t["exceptional_reason"] == "only a BSL-fluent therapist can work with him"
    assert t["public_purse"]["change"] == {"council_pence": 210_00, "icb_pence": 90_00, "total_pence": 300_00}


async def test_a_contract_that_has_ended_releases_nothing(svc):
    c = await new_contract(svc.client, start_date=str(TODAY - timedelta(days=400)),
                           renewal_date=str(TODAY - timedelta(days=60)),
                           end_date=str(TODAY - timedelta(days=1)))
    r = await ask(svc.client, c["id"])
    assert r.status_code == 409 and "ended" in r.json()["detail"]


async def test_evidence_must_be_of_the_documented_kinds(svc):
    c = await new_contract(svc.client)
    url = f"/v1/contracts/{c['id']}/transfer-requests"
    nested = transfer_body(evidence={"provided_by": {"name": "mother"}, "wishes_recorded_on": str(TODAY)})
    r = await svc.client.post(url, json=nested, headers=CASEWORK)
    assert r.status_code == 422
    assert any(e["field"].startswith("evidence.provided_by") for e in r.json()["errors"])
    yes_as_text = transfer_body(route="alternative_supplier", proposed_unit_price_pence=90_00,
                                evidence={"supplier_name": "CIC", "meets_outcomes": "yes"})
    r = await svc.client.post(url, json=yes_as_text, headers=CASEWORK)
    assert r.status_code == 422 and r.json()["errors"] == [{"field": "evidence.meets_outcomes",
                                                             "message": "must be true or false"}]


async def test_read_only_clients_cannot_request_or_withdraw_transfers(svc):
    c = await new_contract(svc.client)
    r = await ask(svc.client, c["id"], headers=READ)
    assert r.status_code == 403
    t = (await ask(svc.client, c["id"], headers=auth("commissioning"))).json()
    assert t["decision"] == "approved"
    r = await svc.client.post(f"/v1/contracts/transfers/{t['id']}/withdraw", json={"reason": "x"},
                              headers=READ)
    assert r.status_code == 403
