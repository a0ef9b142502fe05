"""The eligibility API through the service app (SQLite + in-memory bus): submit, read, refuse, reject bad
input."""
from datetime import date, timedelta

import pytest

from kit import clock
from kit.testing import LA, LA2, OTHER_LA, auth, eventually, make_backend, running_service
from services.eligibility.app import create_app
from services.eligibility.settings import EligibilitySettings
from tests.eligibility.helpers import (
    BASE,
    CASEWORK,
    CONTRACT_FIELDS,
    READER,
    body,
    rules_of,
    submit,
    tapped,
)


@pytest.fixture(scope="module")
async def svc(tmp_path_factory):
    """One service for the module: tests use fresh child ids, so they never see each other's requests."""
    backend = await make_backend("memory", tmp_path_factory.mktemp("eligibility"))
    async with running_service(create_app, backend, service="eligibility") as running:
        yield running
    await backend.close()


async def test_a_request_is_decided_at_once_and_reads_back_as_the_contract_says(svc):
    made = await submit(svc.client)
    assert CONTRACT_FIELDS <= set(made)
    assert made["status"] == "eligible" and made["rules_version"] == "2027.01"
    assert made["streams"]["education"]["eligible"] is True
    assert rules_of(made["streams"]["education"]) == ["ELIG-01", "ELIG-02", "ELIG-04"]
    assert made["arrangements"]["direct_payment"] == {"allowed": True, "reasons": [
        {"rule": "ELIG-06", "message": "The recipient (parent) appears capable of managing direct payments "
                                       "and consents."},
        {"rule": "ELIG-07", "message": "The recipient is under no drug-rehabilitation or alcohol-treatment "
                                       "requirement."}]}
    assert made["recorded_by"] == "test-client" and made["supersedes_decision_id"] is None
    read = await svc.client.get(f"{BASE}/{made['id']}", headers=READER)
    assert read.status_code == 200 and read.json() == made


async def test_ELIG_10_a_refusal_is_a_201_decision_with_written_reasons(svc):
    made = await submit(svc.client, date_of_birth="2000-11-22", ehcp_stage="none", streams=["education"],
                        arrangements=["notional"], recipient=None)
    assert made["status"] == "not_eligible"
    assert rules_of(made["streams"]["education"]) == ["ELIG-04", "ELIG-03", "ELIG-02"]
    assert made["eligible_streams"] == [] and made["allowed_arrangements"] == []


@pytest.mark.parametrize(("changes", "field"), [
    ({"streams": ["education", "dentistry"]}, "streams.1"),
    ({"arrangements": ["cash_in_hand"]}, "arrangements.0"),
    ({"ehcp_stage": "draft"}, "ehcp_stage"),
    ({"streams": []}, "streams"),
    ({"streams": ["health", "health"]}, "streams"),
    ({"date_of_birth": "2026-11-23"}, "date_of_birth"),
    ({"requested_on": (date.today() + timedelta(days=5)).isoformat()}, "requested_on"),
    ({"recipient": None}, "recipient"),
    ({"local_authority": "Bucks"}, "local_authority"),
    ({"requested_by": "grandparent"}, "requested_by"),
    ({"surprise": True}, "surprise"),
], ids=["unknown-stream", "unknown-arrangement", "unknown-stage", "no-streams", "repeated-stream",
        "born-after-request", "requested-in-the-future", "direct-payment-without-recipient", "bad-la-code",
        "unknown-requester", "unknown-field"])
async def test_bad_input_is_a_422_problem_naming_the_field(svc, changes, field):
    payload = body(**changes)
    response = await svc.client.post(BASE, json=payload, headers=CASEWORK)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]]
    listed = await svc.client.get(BASE, params={"child_id": payload["child_id"]}, headers=READER)
    assert listed.json()["items"] == [], "nothing is recorded for a bad request"


async def test_a_request_for_an_la_outside_the_token_is_a_403_naming_the_field(svc):
    response = await svc.client.post(BASE, json=body(local_authority=OTHER_LA), headers=CASEWORK)
    assert response.status_code == 403
    assert response.json()["errors"][0]["field"] == "local_authority"


async def test_another_las_request_is_not_found_to_read_list_or_review(svc):
    made = await submit(svc.client, headers=auth("casework", las=[LA2]), local_authority=LA2)
    elsewhere = auth("casework", "read", las=[LA])
    assert (await svc.client.get(f"{BASE}/{made['id']}", headers=elsewhere)).status_code == 404
    assert (await svc.client.get(f"{BASE}/{made['id']}/decisions", headers=elsewhere)).status_code == 404
    review = await svc.client.post(f"{BASE}/{made['id']}/review", json={"reason": "x"}, headers=elsewhere)
    assert review.status_code == 404
    listed = await svc.client.get(BASE, params={"child_id": made["child_id"]}, headers=elsewhere)
    assert listed.json()["items"] == []
    both = auth("read", las=[LA, LA2])
    assert (await svc.client.get(f"{BASE}/{made['id']}", headers=both)).status_code == 200


@pytest.mark.parametrize(("method", "path", "headers", "status"), [
    ("post", BASE, auth("read"), 403),
    ("post", BASE, {}, 401),
    ("get", BASE, auth("finance"), 403),
    ("get", BASE, {"Authorization": "Bearer not-a-token"}, 401),
], ids=["read-cannot-create", "no-token", "finance-cannot-read", "bad-token"])
async def test_scopes_casework_creates_casework_or_read_reads(svc, method, path, headers, status):
    kwargs = {"json": body()} if method == "post" else {}
    response = await getattr(svc.client, method)(path, headers=headers, **kwargs)
    assert response.status_code == status


async def test_an_idempotency_key_replays_the_first_decision(svc):
    payload = body()
    headers = {**CASEWORK, "Idempotency-Key": "elig-once"}
    first = await svc.client.post(BASE, json=payload, headers=headers)
    again = await svc.client.post(BASE, json=payload, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    listed = await svc.client.get(BASE, params={"child_id": payload["child_id"]}, headers=READER)
    assert len(listed.json()["items"]) == 1


async def test_ELIG_08_custody_rule_is_configured_per_la(memory_backend):
    settings = EligibilitySettings(custody_rule={LA2: False})
    async with running_service(create_app, memory_backend, service="eligibility", settings=settings) as svc:
        headers = auth("casework", las=[LA, LA2])
        on = await submit(svc.client, headers=headers, in_custody=True)
        off = await submit(svc.client, headers=headers, in_custody=True, local_authority=LA2)
    assert on["status"] == "not_eligible" and "ELIG-08" in rules_of(on["streams"]["health"])
    assert off["status"] == "eligible" and "ELIG-08" in rules_of(off["streams"]["health"])


def test_ELIG_08_the_custody_rule_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SENDPB_ELIGIBILITY_CUSTODY_RULE", '{"E08000018": false}')
    settings = EligibilitySettings()
    assert settings.custody_rule_for(OTHER_LA) is False
    assert settings.custody_rule_for(LA) is True  # DEFAULT on


async def test_ELIG_13_continuing_care_offers_a_personal_health_budget_refused_only_in_custody(memory_backend):
    today = clock.today()
    child = {"date_of_birth": (today - timedelta(days=11 * 365)).isoformat(), "requested_on": today.isoformat(),
             "arrangements": ["notional"], "recipient": None, "continuing_care": True}
    bus, received = await tapped(memory_backend)
    settings = EligibilitySettings(custody_rule={LA2: False})
    async with running_service(create_app, memory_backend, service="eligibility", settings=settings,
                               bus=bus) as svc:
        headers = auth("casework", las=[LA, LA2])
        # Education only, with a plan issued between reviews: education refused (ELIG-02), health offered.
        offered = await submit(svc.client, headers=headers, ehcp_stage="issued", streams=["education"], **child)
        in_custody = await submit(svc.client, headers=headers, ehcp_stage="none", streams=["health"],
                                  in_custody=True, **child)
        custody_rule_off = await submit(svc.client, headers=headers, ehcp_stage="none", streams=["health"],
                                        in_custody=True, local_authority=LA2, **child)
        later = await submit(svc.client, headers=headers, ehcp_stage="issued", streams=["education"],
                             **{**child, "continuing_care": False})
        reviewed = (await svc.client.post(f"{BASE}/{later['id']}/review", headers=headers, json={
            "reason": "now eligible for NHS continuing care", "corrections": {"continuing_care": True}})).json()
        await eventually(lambda: any(e.payload["request_id"] == offered["id"] for e in received))
    health = offered["streams"]["health"]
    assert health["eligible"] and health["reasons"][0]["rule"] == "ELIG-13"
    assert health["reasons"][0]["message"].startswith("Offered under ELIG-13")
    assert rules_of(offered["streams"]["education"]) == ["ELIG-02"]
    assert offered["status"] == "partially_eligible" and offered["eligible_streams"] == ["health"]
    assert offered["facts"]["streams"] == ["education"], "what was asked stays on record"
    assert offered["allowed_arrangements"] == ["notional"]
    event = next(e for e in received if e.payload["request_id"] == offered["id"])
    assert event.payload["eligible_streams"] == ["health"]
    assert event.payload["streams"]["health"] == health
    assert in_custody["status"] == "not_eligible"
    assert rules_of(in_custody["streams"]["health"]) == ["ELIG-08"]
    assert custody_rule_off["eligible_streams"] == ["health"]
    assert rules_of(custody_rule_off["streams"]["health"])[0] == "ELIG-13"
    assert later["eligible_streams"] == [] and reviewed["eligible_streams"] == ["health"]
