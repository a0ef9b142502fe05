"""A case-management client through the gateway (embedded platform): its own LAs only."""
from kit.testing import OTHER_LA
from tests.eligibility.helpers import BASE, body


async def test_a_casework_client_submits_reads_lists_and_reviews_through_the_gateway(platform):
    casework = await platform.token("dev-casework")
    payload = body(ehcp_stage="issued")
    made = await platform.client.post(BASE, json=payload, headers=casework)
    assert made.status_code == 201, made.text
    decision = made.json()
    assert decision["status"] == "partially_eligible"  # ELIG-02: education is asked at a review, not now
    assert decision["streams"]["education"]["reasons"][0]["rule"] == "ELIG-02"
    reviewed = await platform.client.post(f"{BASE}/{decision['id']}/review",
                                          json={"reason": "the annual review has started"}, headers=casework)
    assert reviewed.status_code == 201
    assert reviewed.json()["supersedes_decision_id"] == decision["decision_id"]
    read = await platform.client.get(f"{BASE}/{decision['id']}", headers=casework)
    assert read.status_code == 200 and read.json()["decision_id"] == reviewed.json()["decision_id"]
    listed = await platform.client.get(BASE, params={"child_id": payload["child_id"]}, headers=casework)
    assert [r["id"] for r in listed.json()["items"]] == [decision["id"]]


async def test_another_la_gets_a_404_and_an_la_outside_the_token_a_403_through_the_gateway(platform):
    casework = await platform.token("dev-casework")
    made = (await platform.client.post(BASE, json=body(), headers=casework)).json()
    other = await platform.token("dev-other-la")
    assert (await platform.client.get(f"{BASE}/{made['id']}", headers=other)).status_code == 404
    review = await platform.client.post(f"{BASE}/{made['id']}/review", json={"reason": "x"}, headers=other)
    assert review.status_code == 404
    outside = await platform.client.post(BASE, json=body(local_authority=OTHER_LA), headers=casework)
    assert outside.status_code == 403
    assert [e["field"] for e in outside.json()["errors"]] == ["local_authority"]
    unauthenticated = await platform.client.post(BASE, json=body())
    assert unauthenticated.status_code == 401
