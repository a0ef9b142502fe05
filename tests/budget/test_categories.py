"""Provision categories from a closed list: the published menu per stream (BUD-15) and every kind of placement at a
school, college or early-years setting refused whatever it is called (BUD-03). The rules, the budget API on SQLite,
and the embedded platform through the gateway."""
import pytest

from kit.testing import LA, running_service
from services.budget.app import create_app
from services.budget.domain import categories
from services.budget.domain.budget import refuse_category
from services.budget.domain.ledger import STREAMS
from tests.budget.helpers import CASEWORK, HEALTH, READ, line, open_with_lines

# Placements as callers might name them: the published ids, and names of their own.
PLACEMENTS = [c.id for c in categories.REFUSED] + [
    "College Place", "fe_placement", "nursery-fees", "independentSchoolPlacement", "sixth_form_place",
    "early years setting place", "residential_college_placement", "pru_place", "special school fees",
    "preschool_place", "academy_admission", "post16_placement", "childminder_place"]


@pytest.fixture
async def svc(memory_backend):
    async with running_service(create_app, memory_backend, service="budget") as running:
        yield running


@pytest.mark.parametrize("name", PLACEMENTS)
def test_BUD_03_every_kind_of_placement_is_refused_whatever_it_is_called_by_the_rule(name):
    refusal = refuse_category(name)
    assert refusal is not None and refusal.rule == "BUD-03" and refusal.field == "category"
    assert not refusal.invalid  # a business refusal (409), not a malformed request


def test_BUD_15_the_menu_is_closed_and_names_no_placement():
    ids = [c.id for c in categories.MENU + categories.REFUSED]
    assert len(ids) == len(set(ids))
    assert all(refuse_category(c) is None for c in categories.VALID)
    assert not any(categories.is_placement(c) for c in categories.VALID)
    assert all(set(c.streams) <= set(STREAMS) for c in categories.MENU)
    # What the journey, the demo and the tests buy is on the menu.
    assert {"personal_assistant", "therapy", "tuition", "short_breaks", "activities"} <= set(categories.VALID)


@pytest.mark.parametrize("name", ["respite_holiday", "Therapy", "work_experience_placement", "school_transport"])
def test_BUD_15_a_category_off_the_menu_is_invalid_and_lists_the_valid_ones(name):
    refusal = refuse_category(name)
    assert refusal.rule == "BUD-15" and refusal.field == "category" and refusal.invalid
    assert refusal.details == {"valid_categories": list(categories.VALID)}
    assert all(c in refusal.message for c in categories.VALID)


async def test_BUD_03_every_kind_of_placement_is_refused_whatever_it_is_called(svc):
    budget = await open_with_lines(svc.client, [])
    for name in PLACEMENTS:
        r = await svc.client.post(f"/v1/budgets/{budget['id']}/provisions", headers=CASEWORK,
                                  json=line("education", category=name, arrangement="notional"))
        assert r.status_code == 409, (name, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["rule"] == "BUD-03" and r.json()["errors"][0]["field"] == "category", r.text
        assert "never pay" in r.json()["detail"]
    after = await svc.client.get(f"/v1/budgets/{budget['id']}", headers=READ)
    assert after.json()["provisions"] == []


async def test_BUD_15_an_unknown_category_is_422_naming_the_field_and_listing_the_valid_ones(svc):
    budget = await open_with_lines(svc.client, [])
    r = await svc.client.post(f"/v1/budgets/{budget['id']}/provisions", headers=CASEWORK,
                              json=line("social_care", category="pony_club"))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["rule"] == "BUD-15" and body["errors"][0]["field"] == "category"
    assert body["valid_categories"] == list(categories.VALID)
    assert "short_breaks" in body["detail"] and "short_breaks" in body["errors"][0]["message"]


async def test_BUD_15_the_provision_categories_are_published_per_stream(svc):
    r = await svc.client.get("/v1/budgets/provision-categories", headers=READ)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["menu"] == "platform_default" and body["local_authority"] is None
    assert set(body["by_stream"]) == set(STREAMS) and all(body["by_stream"].values())
    for category in body["categories"]:
        assert category["allowed"] and category["label"] and category["description"] and category["streams"]
        for stream in category["streams"]:
            assert category["id"] in body["by_stream"][stream]
    refused = {c["id"]: c for c in body["refused"]}
    assert {"school_place", "independent_school_place", "special_school_place", "residential_school_place",
            "college_place", "early_years_place"} <= set(refused)
    assert all(c["rule"] == "BUD-03" and not c["allowed"] and "never pay" in c["reason"] for c in refused.values())

    # Every category on the menu can be bought from each of its streams.
    budget = await open_with_lines(svc.client, [])
    for category in body["categories"]:
        for stream in category["streams"]:
            added = await svc.client.post(f"/v1/budgets/{budget['id']}/provisions", headers=CASEWORK,
                                          json=line(stream, 10_000, category=category["id"], arrangement="notional"))
            assert added.status_code == 201, (category["id"], stream, added.text)


async def test_BUD_15_an_las_menu_is_asked_for_by_its_code_and_any_budget_scope_may_read_it(svc):
    r = await svc.client.get("/v1/budgets/provision-categories", params={"local_authority": LA}, headers=HEALTH)
    assert r.status_code == 200 and r.json()["local_authority"] == LA
    assert (await svc.client.get("/v1/budgets/provision-categories", params={"local_authority": "nowhere"},
                                 headers=READ)).status_code == 422
    assert (await svc.client.get("/v1/budgets/provision-categories")).status_code == 401


async def test_BUD_03_and_BUD_15_through_the_gateway(platform):
    casework = await platform.token("dev-casework")
    menu = await platform.client.get("/v1/budgets/provision-categories", headers=casework)
    assert menu.status_code == 200 and "therapy" in menu.json()["by_stream"]["health"], menu.text

    opened = await platform.client.post("/v1/budgets", headers=casework, json={
        "child_id": "C-categories", "local_authority": LA, "plan_reference": "EHCP-CAT", "period_start": "2026-12-01",
        "period_end": "2027-11-30", "indicative_pence": {"education": 100_000}})
    assert opened.status_code == 201, opened.text
    url = f"/v1/budgets/{opened.json()['id']}/provisions"
    nursery = await platform.client.post(url, headers=casework, json=line(
        "education", category="Nursery place", arrangement="direct_payment"))
    assert nursery.status_code == 409 and nursery.json()["rule"] == "BUD-03", nursery.text
    unknown = await platform.client.post(url, headers=casework, json=line("education", category="gym"))
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "category", unknown.text
    assert "learning_support" in unknown.json()["valid_categories"]

    spec = (await platform.client.get("/openapi.json")).json()
    assert "/v1/budgets/provision-categories" in spec["paths"]
