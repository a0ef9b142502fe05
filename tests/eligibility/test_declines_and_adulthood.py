"""ELIG-12 declines and ELIG-14 preparing for adulthood through the service app (SQLite + in-memory bus)."""
import uuid
from datetime import date

import pytest

from kit.testing import LA, LA2, auth, eventually, make_backend, running_service
from services.eligibility.app import create_app
from services.eligibility.events import PUBLISHED
from tests.eligibility.helpers import BASE, CASEWORK, READER, rules_of, submit, tapped

EVIDENCE = [{"description": "Costed comparison with the shared therapy service", "reference": "DOC-2026-118"}]
DECLINE = {"ground": "inefficient_use", "reason": "The same therapy costs half as much through the shared service.",
           "evidence": EVIDENCE, "streams": ["education"], "decided_by": "SEN panel"}
ADULTHOOD = "/v1/eligibility/adulthood"
TODAY = date(2026, 12, 3)


@pytest.fixture(scope="module")
async def svc(tmp_path_factory):
    backend = await make_backend("memory", tmp_path_factory.mktemp("eligibility-elig-12-14"))
    bus, received = await tapped(backend)
    async with running_service(create_app, backend, service="eligibility", bus=bus) as running:
        running.received = received
        yield running
    await backend.close()


async def post(client, path: str, body: dict, headers=CASEWORK):
    return await client.post(path, json=body, headers=headers)


# ---------------------------------------------------------------------------------------------------- ELIG-12
async def test_ELIG_12_a_decline_is_a_new_decision_refusing_the_stream_with_its_reason_and_evidence(svc):
    made = await submit(svc.client)
    r = await post(svc.client, f"{BASE}/{made['id']}/decline", DECLINE)
    assert r.status_code == 201, r.text
    declined = r.json()
    assert declined["id"] == made["id"] and declined["supersedes_decision_id"] == made["decision_id"]
    assert declined["status"] == "partially_eligible" and declined["eligible_streams"] == ["health"]
    assert rules_of(declined["streams"]["education"]) == ["ELIG-12"]
    message = declined["streams"]["education"]["reasons"][0]["message"]
    assert "inefficient use of resources" in message and "half as much" in message and "DOC-2026-118" in message
    [decline] = declined["declines"]
    assert decline["ground"] == "inefficient_use" and decline["evidence"] == EVIDENCE
    assert decline["decided_by"] == "SEN panel" and decline["recorded_by"] == "test-client"
    read = (await svc.client.get(f"{BASE}/{made['id']}", headers=READER)).json()
    assert read == declined


async def test_ELIG_12_the_decline_can_be_reviewed_upheld_or_withdrawn_ELIG_10(svc):
    made = await submit(svc.client)
    await post(svc.client, f"{BASE}/{made['id']}/decline", {**DECLINE, "streams": [], "arrangements": ["notional"]})
    upheld = (await post(svc.client, f"{BASE}/{made['id']}/review", {"reason": "The family disagrees"})).json()
    assert rules_of(upheld["arrangements"]["notional"]) == ["ELIG-12"], "a review keeps the decline in force"
    withdrawn = await post(svc.client, f"{BASE}/{made['id']}/review", {
        "reason": "The family showed the shared service has no places", "corrections": {"declines": []}})
    assert withdrawn.status_code == 201, withdrawn.text
    assert withdrawn.json()["arrangements"]["notional"]["allowed"] is True and withdrawn.json()["declines"] == []
    assert withdrawn.json()["review"]["corrections"] == {"declines": []}
    again = await post(svc.client, f"{BASE}/{made['id']}/review", {"reason": "x", "corrections": {
        "declines": [DECLINE]}})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "corrections.declines"


@pytest.mark.parametrize(("changes", "field", "rule"), [
    ({"evidence": []}, "evidence", None),
    ({"evidence": [{"description": "", "reference": "DOC-1"}]}, "evidence.0.description", None),
    ({"ground": "too_expensive"}, "ground", None),
    ({"streams": ["transport"]}, "streams.0", "ELIG-12"),
    ({"streams": ["health", "health"]}, "streams", None),
], ids=["no-evidence", "empty-description", "unknown-ground", "not-asked-for", "repeated"])
async def test_ELIG_12_a_decline_without_evidence_or_of_what_is_not_granted_is_a_422_naming_the_field(
        svc, changes, field, rule):
    made = await submit(svc.client)
    r = await post(svc.client, f"{BASE}/{made['id']}/decline", {**DECLINE, **changes})
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]
    assert r.json().get("rule") == rule
    assert (await svc.client.get(f"{BASE}/{made['id']}", headers=READER)).json()["decision_id"] == made["decision_id"]


async def test_ELIG_12_the_continuing_care_health_budget_cannot_be_declined_ELIG_13(svc):
    made = await submit(svc.client, continuing_care=True)
    r = await post(svc.client, f"{BASE}/{made['id']}/decline", {**DECLINE, "streams": ["health"]})
    assert r.status_code == 422 and r.json()["rule"] == "ELIG-13"
    assert r.json()["errors"][0]["field"] == "streams.0"


async def test_ELIG_12_another_las_request_is_a_404_and_a_repeated_key_replays_the_decline(svc):
    made = await submit(svc.client)
    other = auth("casework", las=[LA2])
    assert (await post(svc.client, f"{BASE}/{made['id']}/decline", DECLINE, other)).status_code == 404
    key = {**CASEWORK, "Idempotency-Key": str(uuid.uuid4())}
    first = await post(svc.client, f"{BASE}/{made['id']}/decline", DECLINE, key)
    second = await post(svc.client, f"{BASE}/{made['id']}/decline", DECLINE, key)
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    history = (await svc.client.get(f"{BASE}/{made['id']}/decisions", headers=READER)).json()["items"]
    assert len(history) == 2, "one decline, not two"


# ---------------------------------------------------------------------------------------------------- ELIG-14
async def test_ELIG_14_a_transition_plan_before_year_9_is_a_422_naming_the_field_and_ELIG_14(svc, clock):
    clock.set_to(TODAY)
    made = await submit(svc.client, date_of_birth="2013-05-05", requested_on=str(TODAY))  # year 9 from 2026-09-01
    plan = {"reviewed_on": "2026-08-31", "plan": "Work experience at the garden centre"}
    early = await post(svc.client, f"{BASE}/{made['id']}/review", {"reason": "annual review",
                                                                   "corrections": {"transition": plan}})
    assert early.status_code == 422 and early.json()["rule"] == "ELIG-14"
    assert [e["field"] for e in early.json()["errors"]] == ["corrections.transition.reviewed_on"]
    far = await post(svc.client, f"{BASE}/{made['id']}/review", {"reason": "annual review", "corrections": {
        "transition": {**plan, "reviewed_on": "9999-12-31"}}})
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "corrections.transition.reviewed_on"
    ok = await post(svc.client, f"{BASE}/{made['id']}/review", {"reason": "year 9 annual review", "corrections": {
        "transition": {**plan, "reviewed_on": "2026-11-30"}}})
    assert ok.status_code == 201, ok.text
    assert ok.json()["facts"]["transition"] == {**plan, "reviewed_on": "2026-11-30"}
    at_request = await post(svc.client, BASE, {**_body(date_of_birth="2013-05-05"), "transition": plan})
    assert at_request.status_code == 422 and at_request.json()["errors"][0]["field"] == "transition.reviewed_on"


def _body(**changes):
    from tests.eligibility.helpers import body
    return body(requested_on=str(TODAY), **changes)


async def test_ELIG_14_a_care_leaver_over_18_stays_eligible_through_the_api(svc, clock):
    clock.set_to(TODAY)
    made = await submit(svc.client, date_of_birth="2007-01-10", requested_on=str(TODAY), requested_by="young_person",
                        streams=["social_care"], arrangements=["notional"], recipient=None, care_leaver=True)
    assert made["status"] == "eligible"
    assert "ELIG-14" in rules_of(made["streams"]["social_care"])


async def test_ELIG_14_young_people_approaching_18_are_listed_and_adult_social_care_is_told_once(svc, clock):
    clock.set_to(TODAY)
    la = {"local_authority": LA}
    soon = await submit(svc.client, date_of_birth="2009-03-10", requested_on=str(TODAY), streams=["social_care"],
                        arrangements=["notional"], recipient=None, care_leaver=True)           # 18 on 2027-03-10
    later = await submit(svc.client, date_of_birth="2009-09-10", requested_on=str(TODAY), streams=["social_care"],
                         arrangements=["notional"], recipient=None)                          # 18 on 2027-09-10
    refused = await submit(svc.client, date_of_birth="2009-02-10", requested_on=str(TODAY), streams=["social_care"],
                           arrangements=["notional"], recipient=None, in_custody=True)       # not eligible
    other_la = await submit(svc.client, auth("casework", las=[LA2]), local_authority=LA2, date_of_birth="2009-03-11",
                            requested_on=str(TODAY), streams=["social_care"], arrangements=["notional"],
                            recipient=None)
    mine = {soon["child_id"], later["child_id"], refused["child_id"], other_la["child_id"]}

    async def listed(**params):
        r = await svc.client.get(ADULTHOOD, params={**la, **params}, headers=READER)
        assert r.status_code == 200, r.text
        return [i for i in r.json()["items"] if i["child_id"] in mine], r.json()["next_cursor"]

    items, _ = await listed()
    assert [i["child_id"] for i in items] == [soon["child_id"]], "six months by default; eligible; this LA"
    [item] = items
    assert item["turns_18_on"] == "2027-03-10" and item["care_leaver"] is True and item["announced_at"] is None
    assert "Turns 18 on 2027-03-10" in item["handover"] and "social care" in item["handover"]
    items, _ = await listed(within_days=365)
    assert [i["child_id"] for i in items] == [soon["child_id"], later["child_id"]], "soonest first"

    assert await svc.runtime.jobs.run_once("announce-adulthood") >= 1
    assert await svc.runtime.jobs.run_once("announce-adulthood") == 0, "once per child"
    # The relay publishes after the job's commit, in the background: wait for the event to arrive.
    [event] = await eventually(lambda: [e for e in svc.received if e.type == "eligibility.adulthood_approaching.v1"
                                        and e.payload["child_id"] == soon["child_id"]])
    PUBLISHED[event.type].model_validate(event.payload)
    assert event.payload["turns_18_on"] == "2027-03-10" and event.local_authority == LA
    assert event.payload["streams"]["social_care"]["eligible"] is True
    assert event.payload["handover"]["care_leaver"] is True and "2027-03-10" in event.payload["handover"]["summary"]
    assert not [e for e in svc.received if e.type == "eligibility.adulthood_approaching.v1"
                and e.payload["child_id"] in {later["child_id"], refused["child_id"]}]
    [item], _ = await listed()
    assert item["announced_at"] is not None

    forbidden = await svc.client.get(ADULTHOOD, params={"local_authority": LA2}, headers=READER)
    assert forbidden.status_code == 403 and forbidden.json()["errors"][0]["field"] == "local_authority"
    assert (await svc.client.get(ADULTHOOD, params={"within_days": 99999}, headers=READER)).status_code == 422


async def test_ELIG_14_the_list_of_young_people_approaching_18_is_paginated(svc, clock):
    clock.set_to(TODAY)
    children = [await submit(svc.client, local_authority=LA, date_of_birth=f"2009-01-{d:02d}",
                             requested_on=str(TODAY), streams=["health"], arrangements=["notional"], recipient=None)
                for d in (20, 21, 22)]
    seen, cursor = [], None
    while True:
        page = (await svc.client.get(ADULTHOOD, params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                                     headers=READER)).json()
        seen += [i["child_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [c for c in seen if c in {m["child_id"] for m in children}] == [m["child_id"] for m in children]
    assert len(seen) == len(set(seen))
    assert (await svc.client.get(ADULTHOOD, params={"cursor": "nonsense"}, headers=READER)).status_code == 422
