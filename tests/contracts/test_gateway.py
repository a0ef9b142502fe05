"""The contracts API through the gateway of the embedded platform, with the dev clients' real tokens."""
from kit.testing import LA, eventually
from tests.contracts.conftest import contract_body, transfer_body


async def test_a_commissioner_records_a_contract_and_a_caseworker_moves_part_of_it_into_a_budget(platform):
    admin = await platform.token("dev-admin")
    casework = await platform.token("dev-casework")
    created = await platform.client.post("/v1/contracts", json=contract_body(), headers=admin)
    assert created.status_code == 201, created.text
    c = created.json()
    assert c["block_unit_price_pence"] == 100_00
    budget = (await platform.client.post("/v1/budgets", headers=admin, json={
        "child_id": "C-gw-contract", "local_authority": LA, "plan_reference": "EHCP-GW", "period_start": "2026-12-01",
        "period_end": "2027-11-30", "indicative_pence": {"health": 100_000}})).json()
    body = transfer_body(budget_id=budget["id"], child_id="C-gw-contract")

    async def released():  # once contracts has heard of the budget (budget.opened.v1)
        r = await platform.client.post(f"/v1/contracts/{c['id']}/transfer-requests", json=body,
                                       headers={**casework, "Idempotency-Key": "gw-1"})
        return r if r.status_code != 409 else None

    t = await eventually(released)
    assert t.status_code == 201 and t.json()["decision"] == "approved" and t.json()["release_pence"] == 960_00
    summary = await platform.client.get(f"/v1/contracts/{c['id']}/summary", headers=casework)
    assert summary.status_code == 200 and "468 hours of that are still available" in summary.json()["text"]
    # A caseworker reads contracts but does not write them.
    refused = await platform.client.post("/v1/contracts", json=contract_body(), headers=casework)
    assert refused.status_code == 403


async def test_another_la_cannot_see_or_draw_on_a_contract_through_the_gateway(platform):
    admin = await platform.token("dev-admin")
    other = await platform.token("dev-other-la")
    c = (await platform.client.post("/v1/contracts", json=contract_body(), headers=admin)).json()
    for path in (f"/v1/contracts/{c['id']}", f"/v1/contracts/{c['id']}/summary"):
        r = await platform.client.get(path, headers=other)
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    r = await platform.client.post(f"/v1/contracts/{c['id']}/transfer-requests", json=transfer_body(),
                                   headers=other)
    assert r.status_code == 404
    due = await platform.client.get("/v1/contracts/reviews-due", params={"within_days": 3650}, headers=other)
    assert due.status_code == 200 and c["id"] not in {d["contract_id"] for d in due.json()["items"]}
    assert (await platform.client.get(f"/v1/contracts/{c['id']}")).status_code == 401


async def test_CON_10_a_caseworker_names_the_contract_on_a_line_and_the_family_gets_its_summary(platform):
    """Through the gateway as integrators would: the same Idempotency-Key twice adds one line; the wrong child
    and another LA get 404; a review dated in year 9999 is a 422, never a 500."""
    admin = await platform.token("dev-admin")
    casework = await platform.token("dev-casework")
    other = await platform.token("dev-other-la")
    c = (await platform.client.post("/v1/contracts", json=contract_body(), headers=admin)).json()
    budget = (await platform.client.post("/v1/budgets", headers=casework, json={
        "child_id": "C-gw-con10", "local_authority": LA, "plan_reference": "EHCP-CON10",
        "period_start": "2026-12-01", "period_end": "2027-11-30", "indicative_pence": {"health": 100_000}})).json()
    provision = {"description": "speech and language therapy", "outcome": "Tells adults what she needs",
                 "stream": "health", "category": "therapy", "annual_cost_pence": 96_000, "arrangement": "notional",
                 "contract_id": c["id"]}
    url = f"/v1/budgets/{budget['id']}/provisions"
    first = await platform.client.post(url, json=provision, headers={**casework, "Idempotency-Key": "con10-1"})
    again = await platform.client.post(url, json=provision, headers={**casework, "Idempotency-Key": "con10-1"})
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]

    async def listed():
        r = await platform.client.get(f"/v1/contracts/{c['id']}/children", headers=casework)
        return r.json()["items"] if r.status_code == 200 and r.json()["items"] else None

    [served] = await eventually(listed)
    assert (served["child_id"], served["provision_ids"]) == ("C-gw-con10", [first.json()["id"]])
    summaries = await platform.client.get(served["links"]["child_summaries"], headers=casework)
    assert summaries.status_code == 200
    [item] = summaries.json()["items"]
    assert item["contract_id"] == c["id"] and "personal budget" in item["summary"]["text"]

    assert (await platform.client.get("/v1/contracts/children/C-gw-nobody/summaries", headers=casework)
            ).status_code == 404  # the wrong child
    for path in (f"/v1/contracts/{c['id']}/children", served["links"]["child_summaries"]):
        r = await platform.client.get(path, headers=other)
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert (await platform.client.get(f"/v1/contracts/{c['id']}/children")).status_code == 401
    far = await platform.client.post(f"/v1/budgets/{budget['id']}/reviews", headers=casework, json={
        "reviewed_on": "9999-12-31", "kind": "first",
        "progress": [{"outcome": "Tells adults what she needs", "progress": "some"}]})
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "reviewed_on"
