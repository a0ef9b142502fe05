"""The contracts API through the service app: contracts, prices, transfers, withdrawals (SQLite, in-memory
bus)."""
import pytest

from kit.testing import LA2, OTHER_LA, auth
from tests.contracts.conftest import CASEWORK, COMMISSIONING, READ, contract_body, new_contract, transfer_body


async def test_CON_01_CON_08_a_new_contract_shows_its_unit_prices_with_their_arithmetic(svc):
    c = await new_contract(svc.client)
    assert c["block_unit_price_pence"] == 100_00
    assert c["block_unit_price"]["arithmetic"].startswith(
        "£480,000.00 a year ÷ 4,800 hours = £100.00 per hour")
    pb = c["personal_budget_unit_price"]
    assert (pb["total_pence"], pb["marginal_pence"], pb["fixed_share_pence"]) == (100_00, 75_00, 25_00)
    assert c["release"] == {"limit_units": 480, "released_units": 0, "available_units": 480,
                            "released_pence": 0}
    again = await svc.client.get(f"/v1/contracts/{c['id']}", headers=READ)
    assert again.json() == c


async def test_a_contract_defaults_to_the_social_care_stream_and_a_council_only_funder(svc):
    body = contract_body()
    del body["stream"], body["funders"]
    r = await svc.client.post("/v1/contracts", json=body, headers=COMMISSIONING)
    assert r.status_code == 201
    assert r.json()["stream"] == "social_care" and r.json()["funders"] == {"council": 100}


@pytest.mark.parametrize("overrides, field, rule", [
    ({"annual_value_pence": 0}, "annual_value_pence", None),
    ({"max_release_percent": 101}, "max_release_percent", None),
    ({"stream": "leisure"}, "stream", None),
    ({"end_date": "2020-01-01"}, "end_date", None),
    ({"min_retained_units": 5_000}, "min_retained_units", "CON-04"),
    ({"separable": False}, "inseparable_reason", "CON-02"),
    ({"funders": {"council": 70, "icb": 20}}, "funders", "CON-06"),
])
async def test_bad_contract_input_is_a_422_naming_the_field(svc, overrides, field, rule):
    r = await svc.client.post("/v1/contracts", json=contract_body(**overrides), headers=COMMISSIONING)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert field in {e["field"] for e in r.json()["errors"]} and r.json().get("rule") == rule


async def test_only_commissioning_writes_contracts_and_only_for_its_own_las(svc):
    assert (await svc.client.post("/v1/contracts", json=contract_body(), headers=CASEWORK)).status_code == 403
    other = await svc.client.post("/v1/contracts", json=contract_body(local_authority=LA2),
                                  headers=COMMISSIONING)
    assert other.status_code == 403 and other.json()["errors"][0]["field"] == "local_authority"
    assert (await svc.client.post("/v1/contracts", json=contract_body())).status_code == 401


async def test_another_las_contract_and_its_transfers_are_not_found(svc):
    c = await new_contract(svc.client)
    stranger = auth("commissioning", "casework", "read", las=[OTHER_LA])
    for path in (f"/v1/contracts/{c['id']}", f"/v1/contracts/{c['id']}/summary",
                 f"/v1/contracts/{c['id']}/transfer-requests"):
        assert (await svc.client.get(path, headers=stranger)).status_code == 404
    r = await svc.client.post(f"/v1/contracts/{c['id']}/transfer-requests", json=transfer_body(),
                              headers=stranger)
    assert r.status_code == 404
    listed = await svc.client.get("/v1/contracts", headers=stranger)
    assert c["id"] not in {x["id"] for x in listed.json()["items"]}


async def test_contracts_list_newest_first_with_a_cursor(svc):
    service = "short breaks list test"
    ids = [(await new_contract(svc.client, service=service))["id"] for _ in range(3)]
    params = {"service": service, "limit": 2}
    first = (await svc.client.get("/v1/contracts", params=params, headers=READ)).json()
    rest = (await svc.client.get("/v1/contracts", params={**params, "cursor": first["next_cursor"]},
                                 headers=READ)).json()
    assert [x["id"] for x in first["items"] + rest["items"]] == ids[::-1] and rest["next_cursor"] is None


async def test_an_approved_transfer_releases_units_and_shows_the_public_purse(svc):
    c = await new_contract(svc.client)
    r = await svc.client.post(f"/v1/contracts/{c['id']}/transfer-requests", json=transfer_body(),
                              headers=CASEWORK)
    assert r.status_code == 201, r.text
    t = r.json()
    assert (t["decision"], t["release_pence"], t["stream"], t["status"]) == \
        ("approved", 960_00, "health", "active")
    assert {x["rule"] for x in t["reasons"]} == {"CON-04", "CON-05", "CON-06d"}
    assert t["public_purse"]["before"] == {"council_pence": 840_00, "icb_pence": 360_00,
                                           "total_pence": 1_200_00}
    assert t["public_purse"]["after"] == {"council_pence": 672_00, "icb_pence": 288_00, "total_pence": 960_00}
    release = (await svc.client.get(f"/v1/contracts/{c['id']}", headers=READ)).json()["release"]
    assert release == {"limit_units": 480, "released_units": 12, "available_units": 468,
                       "released_pence": 960_00}


async def test_CON_04_at_the_limit_approved_then_one_unit_over_declined_through_the_api(svc):
    c = await new_contract(svc.client)
    url = f"/v1/contracts/{c['id']}/transfer-requests"
    at = (await svc.client.post(url, json=transfer_body(units=480), headers=CASEWORK)).json()
    over = (await svc.client.post(url, json=transfer_body(units=1), headers=CASEWORK)).json()
    assert at["decision"] == "approved" and over["decision"] == "declined" and over["release_pence"] == 0
    assert [x["rule"] for x in over["reasons"] if x.get("field") == "units"] == ["CON-04"]


async def test_CON_06_evidence_required_names_the_missing_keys(svc):
    c = await new_contract(svc.client)
    body = transfer_body(route="alternative_supplier", proposed_unit_price_pence=90_00,
                         evidence={"supplier_name": "Local Therapy CIC"})
    url = f"/v1/contracts/{c['id']}/transfer-requests"
    t = (await svc.client.post(url, json=body, headers=CASEWORK)).json()
    assert t["decision"] == "evidence_required" and t["status"] == "closed"
    assert t["missing_evidence"] == ["meets_outcomes", "quality_equivalent", "price_held_until"]


@pytest.mark.parametrize("overrides, field", [
    ({"units": 0}, "units"),
    ({"route": "lottery"}, "route"),
    ({"budget_id": "not-a-uuid"}, "budget_id"),
    ({"route": "pooled_purchase", "evidence": {"pool_members": "four"}}, "evidence.pool_members"),
])
async def test_bad_transfer_input_is_a_422_naming_the_field(svc, overrides, field):
    c = await new_contract(svc.client)
    r = await svc.client.post(f"/v1/contracts/{c['id']}/transfer-requests", json=transfer_body(**overrides),
                              headers=CASEWORK)
    assert r.status_code == 422 and field in {e["field"] for e in r.json()["errors"]}


async def test_a_transfer_replays_with_the_same_idempotency_key_and_releases_once(svc):
    c = await new_contract(svc.client)
    url, body = f"/v1/contracts/{c['id']}/transfer-requests", transfer_body()
    headers = {**CASEWORK, "Idempotency-Key": "transfer-1"}
    first = await svc.client.post(url, json=body, headers=headers)
    second = await svc.client.post(url, json=body, headers=headers)
    assert second.headers.get("Idempotent-Replayed") == "true" and second.json() == first.json()
    assert (await svc.client.post(url, json={**body, "units": 13}, headers=headers)).status_code == 422
    release = (await svc.client.get(f"/v1/contracts/{c['id']}", headers=READ)).json()["release"]
    assert release["released_units"] == 12


async def test_withdrawing_returns_the_units_once_and_only_an_active_transfer(svc):
    c = await new_contract(svc.client)
    url = f"/v1/contracts/{c['id']}/transfer-requests"
    t = (await svc.client.post(url, json=transfer_body(units=480), headers=CASEWORK)).json()
    w = await svc.client.post(f"/v1/contracts/transfers/{t['id']}/withdraw", json={"reason": "family moved"},
                              headers=CASEWORK)
    assert w.status_code == 200 and w.json()["status"] == "withdrawn"
    assert w.json()["withdrawal_reason"] == "family moved"
    again = await svc.client.post(f"/v1/contracts/transfers/{t['id']}/withdraw", json={"reason": "twice"},
                                  headers=CASEWORK)
    assert again.status_code == 409
    release = (await svc.client.get(f"/v1/contracts/{c['id']}", headers=READ)).json()["release"]
    assert release == {"limit_units": 480, "released_units": 0, "available_units": 480, "released_pence": 0}
    # The returned units can be released again.
    again = await svc.client.post(url, json=transfer_body(units=480), headers=CASEWORK)
    assert again.json()["decision"] == "approved"


async def test_a_declined_transfer_cannot_be_withdrawn(svc):
    c = await new_contract(svc.client, separable=False, inseparable_reason="one shared group")
    t = (await svc.client.post(f"/v1/contracts/{c['id']}/transfer-requests", json=transfer_body(),
                               headers=CASEWORK)).json()
    assert t["decision"] == "declined" and t["reasons"][0]["rule"] == "CON-02"
    r = await svc.client.post(f"/v1/contracts/transfers/{t['id']}/withdraw", json={"reason": "x"},
                              headers=CASEWORK)
    assert r.status_code == 409
