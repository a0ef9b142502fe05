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


async def test_ELIG_12_ELIG_14_through_the_gateway_as_a_case_management_system_would(platform):
    """The wrong child, another LA, the same Idempotency-Key twice, a date in year 9999."""
    import uuid

    casework = await platform.token("dev-casework")
    other = await platform.token("dev-other-la")
    made = (await platform.client.post(BASE, json=body(ehcp_stage="annual_review"), headers=casework)).json()
    decline = {"ground": "harm_to_others", "reason": "Taking the money out would close the shared group.",
               "evidence": [{"description": "Group attendance and cost", "reference": "DOC-5"}],
               "streams": ["education"]}
    wrong_child = await platform.client.post(f"{BASE}/{uuid.uuid4()}/decline", json=decline, headers=casework)
    assert wrong_child.status_code == 404
    assert (await platform.client.post(f"{BASE}/{made['id']}/decline", json=decline, headers=other)).status_code == 404
    key = {**casework, "Idempotency-Key": str(uuid.uuid4())}
    first = await platform.client.post(f"{BASE}/{made['id']}/decline", json=decline, headers=key)
    again = await platform.client.post(f"{BASE}/{made['id']}/decline", json=decline, headers=key)
    assert first.status_code == again.status_code == 201 and first.json()["decision_id"] == again.json()["decision_id"]
    assert first.json()["streams"]["education"]["reasons"][0]["rule"] == "ELIG-12"
    changed = await platform.client.post(f"{BASE}/{made['id']}/decline", json={**decline, "streams": ["health"]},
                                         headers=key)
    assert changed.status_code == 422, "the same key with another body"
    no_evidence = await platform.client.post(f"{BASE}/{made['id']}/decline", json={**decline, "evidence": []},
                                             headers=casework)
    assert no_evidence.status_code == 422 and [e["field"] for e in no_evidence.json()["errors"]] == ["evidence"]
    far = await platform.client.post(f"{BASE}/{made['id']}/review", headers=casework, json={
        "reason": "annual review", "corrections": {"transition": {"reviewed_on": "9999-12-31", "plan": "College"}}})
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "corrections.transition.reviewed_on"
    listed = await platform.client.get("/v1/eligibility/adulthood", headers=other)
    assert listed.status_code == 200 and all(i["local_authority"] == "E08000018" for i in listed.json()["items"])
