"""CON-03 reviews before renewal and CON-07 family summaries, through the service app."""
from datetime import timedelta

from tests.contracts.conftest import CASEWORK, COMMISSIONING, READ, TODAY, new_contract, transfer_body


def review_body(**overrides):
    body = {"reviewed_on": str(TODAY), "outcome": "vary", "flexibility_added": True,
            "new_max_release_percent": 20, "families_involved": True}
    return {**body, **overrides}


async def test_CON_03_contracts_renewing_within_the_window_are_listed_until_reviewed(svc):
    soon = await new_contract(svc.client, renewal_date=str(TODAY + timedelta(days=30)))
    overdue = await new_contract(svc.client, renewal_date=str(TODAY - timedelta(days=3)))
    later = await new_contract(svc.client, renewal_date=str(TODAY + timedelta(days=200)))
    due = (await svc.client.get("/v1/contracts/reviews-due", params={"within_days": 60}, headers=READ)).json()["items"]
    assert [(d["contract_id"], d["overdue"], d["days_to_renewal"]) for d in due] == [
        (overdue["id"], True, -3), (soon["id"], False, 30)]
    r = await svc.client.post(f"/v1/contracts/{soon['id']}/reviews", json=review_body(),
                              headers=COMMISSIONING)
    assert r.status_code == 201, r.text
    assert r.json()["on_time"] is True and r.json()["previous_max_release_percent"] == 10
    due = (await svc.client.get("/v1/contracts/reviews-due", params={"within_days": 365},
                                headers=READ)).json()["items"]
    assert [d["contract_id"] for d in due] == [overdue["id"], later["id"]]


async def test_CON_03_a_review_that_adds_flexibility_raises_the_release_limit_at_once(svc):
    c = await new_contract(svc.client)
    url = f"/v1/contracts/{c['id']}/transfer-requests"
    before = await svc.client.post(url, json=transfer_body(units=481), headers=CASEWORK)
    assert before.json()["decision"] == "declined"
    await svc.client.post(f"/v1/contracts/{c['id']}/reviews", json=review_body(), headers=COMMISSIONING)
    after = await svc.client.post(url, json=transfer_body(units=481), headers=CASEWORK)
    assert after.json()["decision"] == "approved"
    reviews = (await svc.client.get(f"/v1/contracts/{c['id']}/reviews", headers=READ)).json()["items"]
    assert [(r["outcome"], r["new_max_release_percent"]) for r in reviews] == [("vary", 20)]


async def test_CON_04_a_review_cannot_lower_the_maximum_below_what_is_already_released(svc):
    c = await new_contract(svc.client)
    await svc.client.post(f"/v1/contracts/{c['id']}/transfer-requests", json=transfer_body(units=300),
                          headers=CASEWORK)
    r = await svc.client.post(f"/v1/contracts/{c['id']}/reviews", json=review_body(new_max_release_percent=5),
                              headers=COMMISSIONING)
    assert r.status_code == 409 and r.json()["rule"] == "CON-04"
    assert r.json()["errors"][0]["field"] == "new_max_release_percent"


async def test_a_review_needs_commissioning_and_a_date_not_in_the_future(svc):
    c = await new_contract(svc.client)
    url = f"/v1/contracts/{c['id']}/reviews"
    assert (await svc.client.post(url, json=review_body(), headers=CASEWORK)).status_code == 403
    future = await svc.client.post(url, json=review_body(reviewed_on=str(TODAY + timedelta(days=1))),
                                   headers=COMMISSIONING)
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "reviewed_on"
    assert (await svc.client.get("/v1/contracts/reviews-due", params={"within_days": -1},
                                 headers=READ)).status_code == 422


async def test_CON_07_a_family_summary_in_plain_english_with_its_parts(svc):
    c = await new_contract(svc.client)
    await svc.client.post(f"/v1/contracts/{c['id']}/transfer-requests", json=transfer_body(units=80),
                          headers=CASEWORK)
    s = (await svc.client.get(f"/v1/contracts/{c['id']}/summary", headers=CASEWORK)).json()
    assert s["contract_id"] == c["id"]
    assert s["parts"]["who"] == \
        "Bucks Therapy Partnership provides it under a block contract with the council."
    assert "400 hours of that are still available" in s["parts"]["how_much"]
    assert s["text"].startswith("The council (70%) and the local NHS (30%) pay for 4,800 hours of integrated "
                                "therapies a year (health)")
    assert s["figures"] == {"block_unit_price_pence": 100_00, "release_limit_units": 480,
                            "released_units": 80, "available_units": 400}


async def test_CON_03_a_review_can_start_the_next_cycle_and_ended_contracts_are_not_listed(svc):
    c = await new_contract(svc.client, renewal_date=str(TODAY + timedelta(days=10)))
    ended = await new_contract(svc.client, start_date=str(TODAY - timedelta(days=400)),
                               renewal_date=str(TODAY - timedelta(days=30)),
                               end_date=str(TODAY - timedelta(days=1)))
    next_renewal = TODAY + timedelta(days=375)
    r = await svc.client.post(f"/v1/contracts/{c['id']}/reviews", headers=COMMISSIONING, json=review_body(
        outcome="renew", next_renewal_date=str(next_renewal), new_end_date=str(TODAY + timedelta(days=1500))))
    assert r.status_code == 201 and r.json()["for_renewal_on"] == str(TODAY + timedelta(days=10))
    contract = (await svc.client.get(f"/v1/contracts/{c['id']}", headers=READ)).json()
    assert contract["renewal_date"] == str(next_renewal)
    due = (await svc.client.get("/v1/contracts/reviews-due", params={"within_days": 400},
                                headers=READ)).json()["items"]
    assert [d["contract_id"] for d in due] == [c["id"]] and ended["id"] not in {d["contract_id"] for d in due}
    backwards = await svc.client.post(f"/v1/contracts/{c['id']}/reviews", headers=COMMISSIONING,
                                      json=review_body(next_renewal_date=str(TODAY)))
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "next_renewal_date"


async def walk(client, url: str, **params) -> list[dict]:
    """Every item of a list, a page of one at a time (limit and the next_cursor handed back as cursor)."""
    items, cursor = [], None
    while True:
        r = await client.get(url, params={**params, "limit": 1, **({"cursor": cursor} if cursor else {})},
                             headers=READ)
        assert r.status_code == 200, r.text
        assert len(r.json()["items"]) <= 1
        items += r.json()["items"]
        if not (cursor := r.json()["next_cursor"]):
            return items


async def test_CON_03_the_lists_of_reviews_page_in_their_order(svc):
    """reviews-due is LA-wide, so it pages (soonest first); so do a contract's reviews (latest first)."""
    later = await new_contract(svc.client, renewal_date=str(TODAY + timedelta(days=40)))
    soon = await new_contract(svc.client, renewal_date=str(TODAY + timedelta(days=20)))
    due = [d["contract_id"] for d in await walk(svc.client, "/v1/contracts/reviews-due", within_days=60)]
    assert due.index(soon["id"]) < due.index(later["id"]) and len(due) == len(set(due))
    url = f"/v1/contracts/{soon['id']}/reviews"
    await svc.client.post(url, json=review_body(reviewed_on=str(TODAY - timedelta(days=2))), headers=COMMISSIONING)
    await svc.client.post(url, json=review_body(reviewed_on=str(TODAY)), headers=COMMISSIONING)
    assert [r["reviewed_on"] for r in await walk(svc.client, url)] == [str(TODAY), str(TODAY - timedelta(days=2))]
    forged = await svc.client.get(url, params={"cursor": "WyJub3QgYSBkYXRlIiwgIngiLCAieSJd"}, headers=READ)
    assert forged.status_code == 422 and forged.json()["errors"][0]["field"] == "cursor"
