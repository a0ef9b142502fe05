"""BUD-12: each LA sets its review cadence (within BUD-09's at least every 12 months); a change of circumstances
brings a review due at once and asks for a new RAS assessment (budget.reassessment_requested.v1)."""
import json
from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from kit.testing import LA, OTHER_LA, auth, eventually, running_service
from services.budget.app import create_app
from services.budget.domain.reviews import first_review_due, next_review_after
from services.budget.service import common
from services.budget.settings import BudgetSettings
from tests.budget.helpers import CASEWORK, OTHER, READ, child, line, new_budget
from tests.budget.test_events import tapped

ROTHERHAM = [3, 6, 12]  # the documented example: 3 months, 6 months, then yearly


async def agreed_in(client, la: str, headers: dict) -> dict:
    """A budget of ``la`` taken to agreement by a caller of that LA (one social-care line, approved)."""
    r = await client.post("/v1/budgets", json=new_budget(child(), la=la, indicative={"social_care": 200_000}),
                          headers=headers)
    assert r.status_code == 201, r.text
    url = f"/v1/budgets/{r.json()['id']}"
    assert (await client.post(f"{url}/provisions", json=line("social_care", 200_000), headers=headers)
            ).status_code == 201
    assert (await client.post(f"{url}/submit", headers=headers)).status_code == 200
    decision = {"stream": "social_care", "decision": "approved", "agreed_pence": 200_000,
                "decided_by": "social care lead", "authority": "stream"}
    assert (await client.post(f"{url}/panel-decisions", json=decision, headers=headers)).status_code == 201
    r = await client.post(f"{url}/agree", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def held(client, budget_id: str, on: date, headers: dict) -> str:
    r = await client.post(f"/v1/budgets/{budget_id}/reviews", headers=headers,
                          json={"reviewed_on": on.isoformat(), "kind": "annual", "notes": "reviewed"})
    assert r.status_code == 201, r.text
    return r.json()["next_review_due"]


def test_BUD_12_the_domain_follows_a_cadence_whose_last_interval_repeats():
    assert first_review_due(date(2027, 1, 31), ROTHERHAM) == date(2027, 4, 30)
    assert next_review_after(date(2027, 4, 30), ROTHERHAM, reviews_held=1) == date(2027, 10, 30)
    assert next_review_after(date(2027, 10, 30), ROTHERHAM, reviews_held=2) == date(2028, 10, 30)
    assert next_review_after(date(2028, 10, 30), ROTHERHAM, reviews_held=7) == date(2029, 10, 30)
    assert next_review_after(date(2027, 4, 30)) == date(2028, 4, 30)  # BUD-09's default: 3, then 12


@pytest.mark.parametrize("cadence", [[], [3, 18], [0, 12], [13]])
def test_BUD_12_a_cadence_longer_than_bud_09_allows_is_refused_at_start_up(cadence):
    with pytest.raises(ValidationError, match="BUD-12"):
        BudgetSettings(review_cadence_months_by_la={OTHER_LA: cadence})
    with pytest.raises(ValidationError, match="BUD-12"):
        BudgetSettings(review_cadence_months=cadence)


async def test_BUD_12_each_la_sets_its_review_cadence(memory_backend, clock):
    settings = BudgetSettings(review_cadence_months_by_la={OTHER_LA: ROTHERHAM})
    clock.set_to(date(2027, 1, 15), tick=True)
    async with running_service(create_app, memory_backend, service="budget", settings=settings) as svc:
        bucks, rotherham = await agreed_in(svc.client, LA, auth("casework", "panel")), \
            await agreed_in(svc.client, OTHER_LA, OTHER)
        assert bucks["next_review_due"] == rotherham["next_review_due"] == "2027-04-15"  # both: 3 months

        clock.set_to(date(2027, 4, 15), tick=True)
        assert await held(svc.client, bucks["id"], date(2027, 4, 15), CASEWORK) == "2028-04-15"  # then yearly
        assert await held(svc.client, rotherham["id"], date(2027, 4, 15), OTHER) == "2027-10-15"  # then 6 months
        listed = (await svc.client.get("/v1/budgets/reviews", params={"due_before": "2027-12-31"},
                                       headers=OTHER)).json()["items"]
        [due] = [i for i in listed if i["budget_id"] == rotherham["id"]]
        assert due["review_kind"] == "scheduled" and "3 months, then 6 months, then every 12 months" in \
            due["review_reason"]

        clock.set_to(date(2027, 10, 15), tick=True)
        assert await held(svc.client, rotherham["id"], date(2027, 10, 15), OTHER) == "2028-10-15"  # then yearly
        clock.set_to(date(2028, 10, 15), tick=True)
        assert await held(svc.client, rotherham["id"], date(2028, 10, 15), OTHER) == "2029-10-15"  # and so on

        shown = (await svc.client.get(f"/v1/budgets/{rotherham['id']}/reviews", headers=OTHER)).json()
        assert shown["review_cadence_months"] == ROTHERHAM and shown["review_kind"] == "annual"
        shown = (await svc.client.get(f"/v1/budgets/{bucks['id']}/reviews", headers=READ)).json()
        assert shown["review_cadence_months"] == [3, 12]
        assert shown["review_cadence"] == "3 months, then every 12 months"


async def test_BUD_12_a_change_of_circumstances_brings_a_review_due_at_once_and_asks_for_a_reassessment(
        memory_backend):
    bus, seen = await tapped(memory_backend, keys=("budget.reassessment_requested.v1",))
    async with running_service(create_app, memory_backend, service="budget", bus=bus) as svc:
        budget = await agreed_in(svc.client, LA, auth("casework", "panel"))
        today = common.today()
        url = f"/v1/budgets/{budget['id']}/review-requests"
        asked = await svc.client.post(url, headers=CASEWORK, json={
            "requested_on": today.isoformat(), "reason": "the family asked"})
        assert asked.status_code == 201 and asked.json()["reassessment_requested"] is False

        changed = await svc.client.post(url, headers=CASEWORK, json={
            "requested_on": today.isoformat(), "reason": "a new diagnosis of epilepsy",
            "circumstances_changed": True})
        assert changed.status_code == 201, changed.text
        assert changed.json()["reassessment_requested"] is True
        assert changed.json()["next_review_due"] == today.isoformat()

        listed = (await svc.client.get("/v1/budgets/reviews", params={
            "due_before": (today + timedelta(days=1)).isoformat()}, headers=READ)).json()["items"]
        [due] = [i for i in listed if i["budget_id"] == budget["id"]]
        assert due["review_kind"] == "reassessment" and "a new diagnosis of epilepsy" in due["review_reason"]

        [body] = await eventually(lambda: seen)
        event = json.loads(body)
        assert event["type"] == "budget.reassessment_requested.v1"
        assert event["payload"] == {
            "budget_id": budget["id"], "child_id": budget["child_id"], "local_authority": LA,
            "plan_reference": budget["plan_reference"], "review_id": changed.json()["id"],
            "requested_on": today.isoformat(), "reason": "a new diagnosis of epilepsy",
            "review_due": today.isoformat()}
