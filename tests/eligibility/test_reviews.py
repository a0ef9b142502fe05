"""ELIG-10/11 through the service app: reviews supersede decisions, history is kept and readable."""
import pytest

from kit.testing import make_backend, running_service
from services.eligibility.app import create_app
from tests.eligibility.helpers import BASE, CASEWORK, READER, child, rules_of, submit


@pytest.fixture(scope="module")
async def svc(tmp_path_factory):
    backend = await make_backend("memory", tmp_path_factory.mktemp("eligibility-reviews"))
    async with running_service(create_app, backend, service="eligibility") as running:
        yield running
    await backend.close()


async def review(client, request_id: str, **body) -> dict:
    response = await client.post(f"{BASE}/{request_id}/review", json=body, headers=CASEWORK)
    assert response.status_code == 201, response.text
    return response.json()


async def test_ELIG_10_a_review_records_why_and_who_asked_and_supersedes_the_decision(svc):
    first = await submit(svc.client)
    second = await review(svc.client, first["id"], reason="The plan was at annual review", asked_by="parent")
    assert second["id"] == first["id"], "the request keeps its id"
    assert second["decision_id"] != first["decision_id"]
    assert second["supersedes_decision_id"] == first["decision_id"]
    assert second["review"]["reason"] == "The plan was at annual review"
    assert second["review"]["asked_by"] == "parent" and second["review"]["recorded_by"] == "test-client"
    current = (await svc.client.get(f"{BASE}/{first['id']}", headers=READER)).json()
    assert current == second
    old = await svc.client.get(current["links"]["supersedes"], headers=READER)
    assert old.status_code == 200
    assert old.json()["decision_id"] == first["decision_id"] and old.json()["current"] is False
    assert old.json()["decided_at"] == first["decided_at"], "ELIG-11: a superseded decision never changes"


async def test_ELIG_11_every_decision_on_a_request_is_kept_newest_first(svc):
    first = await submit(svc.client)
    second = await review(svc.client, first["id"], reason="first review")
    third = await review(svc.client, first["id"], reason="second review")
    history = (await svc.client.get(f"{BASE}/{first['id']}/decisions", headers=READER)).json()["items"]
    assert [d["decision_id"] for d in history] == [third["decision_id"], second["decision_id"],
                                                   first["decision_id"]]
    assert [d["current"] for d in history] == [True, False, False]
    assert [d["supersedes_decision_id"] for d in history] == [second["decision_id"], first["decision_id"],
                                                              None]


async def test_ELIG_10_a_review_decides_again_under_the_las_current_settings(svc):
    settings = svc.runtime.settings
    refused = await submit(svc.client, in_custody=True, local_authority="E06000060")
    assert refused["status"] == "not_eligible" and rules_of(refused["streams"]["health"]) == ["ELIG-08"]
    settings.custody_rule["E06000060"] = False  # the LA stops applying the custody rule
    try:
        reviewed = await review(svc.client, refused["id"], reason="The council no longer applies ELIG-08")
    finally:
        settings.custody_rule.pop("E06000060")
    assert reviewed["status"] == "eligible"
    assert "ELIG-08" in rules_of(reviewed["streams"]["health"])


async def test_a_childs_history_is_listed_newest_first_a_page_at_a_time(backend):
    """On both backends: the cursor compares stored UTC times, kept differently by SQLite and PostgreSQL."""
    async with running_service(create_app, backend, service="eligibility") as svc:
        await _pages_of_history(svc)


async def _pages_of_history(svc):
    kid = child()
    made = [await submit(svc.client, child_id=kid, requested_on=f"2026-11-{day}") for day in (20, 21, 22)]
    reviewed = await review(svc.client, made[0]["id"], reason="asked again")
    page = (await svc.client.get(BASE, params={"child_id": kid, "limit": 2}, headers=READER)).json()
    assert [r["id"] for r in page["items"]] == [made[2]["id"], made[1]["id"]]
    rest = (await svc.client.get(BASE, params={"child_id": kid, "limit": 2, "cursor": page["next_cursor"]},
                                 headers=READER)).json()
    # each request is listed with its current decision
    assert [r["decision_id"] for r in rest["items"]] == [reviewed["decision_id"]]
    assert rest["next_cursor"] is None


async def test_a_cursor_that_was_not_issued_is_a_422_naming_it(svc):
    response = await svc.client.get(BASE, params={"cursor": "not-a-cursor"}, headers=READER)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("payload", [{}, {"reason": ""}, {"reason": "x", "extra": 1}],
                         ids=["no-reason", "empty-reason", "unknown-field"])
async def test_a_review_needs_a_reason(svc, payload):
    made = await submit(svc.client)
    response = await svc.client.post(f"{BASE}/{made['id']}/review", json=payload, headers=CASEWORK)
    assert response.status_code == 422


async def test_an_unknown_request_is_not_found(svc):
    assert (await svc.client.get(f"{BASE}/no-such-request", headers=READER)).status_code == 404
    made = await submit(svc.client)
    missing = await svc.client.get(f"{BASE}/{made['id']}/decisions/no-such-decision", headers=READER)
    assert missing.status_code == 404


async def test_ELIG_09_a_review_with_the_heads_written_agreement_opens_direct_payments(svc):
    refused = await submit(svc.client, provision_on_setting_premises=True, setting_agreement=None)
    assert refused["arrangements"]["direct_payment"]["allowed"] is False
    assert rules_of(refused["arrangements"]["direct_payment"]) == ["ELIG-09"]
    reviewed = await review(svc.client, refused["id"], reason="The head has now agreed in writing",
                            corrections={"setting_agreement": True})
    assert reviewed["arrangements"]["direct_payment"]["allowed"] is True
    assert "ELIG-09" in rules_of(reviewed["arrangements"]["direct_payment"])
    assert reviewed["review"]["corrections"] == {"setting_agreement": True}
    assert reviewed["facts"]["setting_agreement"] is True
    old = (await svc.client.get(reviewed["links"]["supersedes"], headers=READER)).json()
    assert old["facts"]["setting_agreement"] is None, "the earlier decision keeps the facts it was made on"


async def test_corrections_build_on_the_previous_review(svc):
    made = await submit(svc.client, ehcp_stage="issued", in_custody=True)
    assert made["status"] == "not_eligible"
    await review(svc.client, made["id"], reason="released", corrections={"in_custody": False})
    latest = await review(svc.client, made["id"], reason="annual review began",
                          corrections={"ehcp_stage": "annual_review"})
    assert latest["facts"]["in_custody"] is False and latest["facts"]["ehcp_stage"] == "annual_review"
    assert latest["status"] == "eligible"


@pytest.mark.parametrize(("corrections", "field"), [
    ({"ehcp_stage": "draft"}, "corrections.ehcp_stage"),
    ({"date_of_birth": "2030-01-01"}, "corrections.date_of_birth"),
    ({"in_custody": None}, "corrections.in_custody"),
    ({"recipient": None}, "corrections.recipient"),
    ({"streams": ["health", "health"]}, "corrections.streams"),
    ({"requested_on": "2026-01-01"}, "corrections.requested_on"),
], ids=["unknown-stage", "born-after-request", "null-custody", "direct-payment-without-recipient",
        "repeated-stream", "who-and-when-cannot-change"])
async def test_invalid_corrections_are_a_422_naming_the_field_and_change_nothing(svc, corrections, field):
    made = await submit(svc.client)
    response = await svc.client.post(f"{BASE}/{made['id']}/review",
                                     json={"reason": "x", "corrections": corrections}, headers=CASEWORK)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await svc.client.get(f"{BASE}/{made['id']}", headers=READER)).json() == made
