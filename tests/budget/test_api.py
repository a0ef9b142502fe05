"""The budget API on SQLite: opening (BUD-01), provision (BUD-02, BUD-03, ELIG-09), panel (BUD-06), agreement
(BUD-05) and tenancy."""
from datetime import date

import pytest

from kit.testing import running_service
from services.budget.app import create_app
from tests.budget.helpers import (
    CASEWORK,
    HEALTH,
    OTHER,
    PANEL,
    READ,
    child,
    decide,
    health_event,
    line,
    new_budget,
    open_with_lines,
    submitted,
)


@pytest.fixture
async def svc(memory_backend):
    async with running_service(create_app, memory_backend, service="budget") as running:
        yield running


async def test_a_budget_opens_with_its_indicative_amounts_in_every_stream(svc):
    r = await svc.client.post("/v1/budgets", json=new_budget(child(), indicative={"education": 400_000,
                                                                                  "social_care": 100_000}),
                              headers=CASEWORK)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "indicative"
    assert body["streams"]["education"]["indicative_pence"] == 400_000
    assert body["streams"]["social_care"] == {
        "indicative_pence": 100_000,
        "agreed_pence": 0,
        "released_pence": 0,
        "committed_pence": 0,
        "spent_pence": 0,
        "available_pence": 0,
    }
    assert set(body["streams"]) == {"education", "health", "social_care", "transport"}


async def test_bud_01_a_second_budget_for_an_overlapping_plan_period_is_refused(svc):
    cyp = child()
    first = await svc.client.post("/v1/budgets", json=new_budget(cyp), headers=CASEWORK)
    second = await svc.client.post("/v1/budgets", json=new_budget(cyp), headers=CASEWORK)
    assert second.status_code == 409
    assert second.json()["rule"] == "BUD-01" and second.json()["budget_id"] == first.json()["id"]


async def test_bud_02_provision_without_an_outcome_is_refused_naming_the_field(svc):
    budget = await open_with_lines(svc.client, [])
    r = await svc.client.post(
        f"/v1/budgets/{budget['id']}/provisions", json=line(outcome="  "), headers=CASEWORK
    )
    assert r.status_code == 422
    assert r.json()["rule"] == "BUD-02" and r.json()["errors"][0]["field"] == "outcome"


async def test_bud_03_a_school_place_is_never_funded(svc):
    budget = await open_with_lines(svc.client, [])
    r = await svc.client.post(
        f"/v1/budgets/{budget['id']}/provisions",
        json=line("education", category="school_place", arrangement="notional"),
        headers=CASEWORK,
    )
    assert r.status_code == 409 and r.json()["rule"] == "BUD-03"


@pytest.mark.parametrize("agreement, status", [(False, 409), (True, 201)])
async def test_elig_09_direct_payment_on_setting_premises_needs_the_settings_agreement(
    svc, agreement, status
):
    budget = await open_with_lines(svc.client, [])
    r = await svc.client.post(
        f"/v1/budgets/{budget['id']}/provisions",
        headers=CASEWORK,
        json=line("education", category="tuition", on_setting_premises=True, setting_agreement=agreement),
    )
    assert r.status_code == status, r.text
    if status == 409:
        assert r.json()["rule"] == "ELIG-09"


async def test_bud_06_an_approval_above_the_delegated_limit_is_escalated_until_a_senior_decides(svc):
    budget = await submitted(svc.client, [line("social_care", 6_000_000)])
    r = await decide(svc.client, budget["id"], "social_care", 6_000_000)
    assert r.status_code == 201
    assert r.json()["decision"] == "escalated" and r.json()["rule"] == "BUD-06"
    assert r.json()["limit_pence"] == 5_000_000
    refused = await svc.client.post(f"/v1/budgets/{budget['id']}/agree", headers=CASEWORK)
    assert refused.status_code == 409 and refused.json()["rule"] == "BUD-06"
    assert refused.json()["stream"] == "social_care"
    senior = await decide(svc.client, budget["id"], "social_care", 6_000_000, authority="senior")
    assert senior.json()["decision"] == "approved"
    agreed = await svc.client.post(f"/v1/budgets/{budget['id']}/agree", headers=CASEWORK)
    assert agreed.status_code == 200 and agreed.json()["streams"]["social_care"]["agreed_pence"] == 6_000_000


async def test_bud_05_agreement_is_refused_while_a_stream_costs_more_than_agreed(svc):
    budget = await submitted(
        svc.client,
        [line("social_care", 260_000), line("education", 300_000, category="tuition")],
        indicative={"social_care": 200_000},
    )
    await decide(svc.client, budget["id"], "social_care", 260_000)
    await decide(svc.client, budget["id"], "education", 250_000)
    refused = await svc.client.post(f"/v1/budgets/{budget['id']}/agree", headers=CASEWORK)
    assert refused.status_code == 409
    assert refused.json()["rule"] == "BUD-05" and refused.json()["stream"] == "education"
    # BUD-06: the panel may award extra when the pooled total falls short.
    extra = await decide(svc.client, budget["id"], "education", 300_000)
    assert extra.json()["extra_pence"] == 300_000
    agreed = await svc.client.post(f"/v1/budgets/{budget['id']}/agree", headers=CASEWORK)
    assert agreed.status_code == 200, agreed.text
    streams = agreed.json()["streams"]
    assert streams["social_care"]["agreed_pence"] == 260_000
    assert streams["social_care"]["available_pence"] == 260_000
    assert agreed.json()["status"] == "agreed"


async def test_another_las_budget_is_not_found_and_reads_need_a_scope(svc):
    budget = await open_with_lines(svc.client, [])
    assert (await svc.client.get(f"/v1/budgets/{budget['id']}", headers=OTHER)).status_code == 404
    assert (await svc.client.get(f"/v1/budgets/{budget['id']}", headers=READ)).status_code == 200
    assert (await svc.client.get(f"/v1/budgets/{budget['id']}/ledger", headers=OTHER)).status_code == 404
    assert (await svc.client.post(f"/v1/budgets/{budget['id']}/submit", headers=PANEL)).status_code == 403
    other_la = await svc.client.post(
        "/v1/budgets", json=new_budget(child(), la="E08000018"), headers=CASEWORK
    )
    assert other_la.status_code == 403


async def test_bad_input_is_a_422_naming_the_field(svc):
    r = await svc.client.post(
        "/v1/budgets", json={**new_budget(child()), "indicative_pence": {"dental": 1}}, headers=CASEWORK
    )
    assert r.status_code == 422 and "indicative_pence" in r.json()["errors"][0]["field"]
    r = await svc.client.post(
        "/v1/budgets", json={**new_budget(child()), "period_end": "2020-01-01"}, headers=CASEWORK
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "period_end"


async def test_bud_07_after_a_budget_closes_health_funding_waits_for_the_next_one(svc):
    cyp = child()
    budget = (await svc.client.post("/v1/budgets", json=new_budget(cyp), headers=CASEWORK)).json()
    closed = await svc.client.post(f"/v1/budgets/{budget['id']}/close", headers=CASEWORK)
    assert closed.json()["status"] == "closed"
    event = health_event(cyp, 70_000, "2027-12-01")
    held = await svc.client.post("/v1/budgets/health-funding-events", json=event, headers=HEALTH)
    assert held.json()["outcome"] == "held"
    body = new_budget(cyp, start=date(2027, 12, 1))
    nxt = await svc.client.post("/v1/budgets", json=body, headers=CASEWORK)
    assert nxt.status_code == 201 and nxt.json()["streams"]["health"]["agreed_pence"] == 70_000
    again = await svc.client.post(f"/v1/budgets/{budget['id']}/close", headers=CASEWORK)
    assert again.status_code == 409


async def test_a_childs_budgets_listed_together_each_show_their_own_figures_provision_and_decisions(svc):
    cyp = child()
    first = await submitted(svc.client, [line("social_care", 260_000)], child_id=cyp,
                            indicative={"social_care": 300_000})
    decided = await decide(svc.client, first["id"], "social_care", 280_000)
    assert decided.status_code == 201, decided.text
    await svc.client.post(f"/v1/budgets/{first['id']}/close", headers=CASEWORK)
    body = new_budget(cyp, start=date(2027, 12, 1), indicative={"education": 150_000})
    second = (await svc.client.post("/v1/budgets", json=body, headers=CASEWORK)).json()
    await svc.client.post(f"/v1/budgets/{second['id']}/provisions", json=line("education", 90_000),
                          headers=CASEWORK)
    listed = await svc.client.get("/v1/budgets", params={"child_id": cyp}, headers=READ)
    assert listed.status_code == 200, listed.text
    items = {b["id"]: b for b in listed.json()["items"]}
    assert set(items) == {first["id"], second["id"]}
    for budget_id in items:  # the list's detail is the budget's own, as reading it alone shows it
        alone = (await svc.client.get(f"/v1/budgets/{budget_id}", headers=READ)).json()
        assert items[budget_id] == alone
    assert items[first["id"]]["streams"]["social_care"]["indicative_pence"] == 300_000
    assert [p["annual_cost_pence"] for p in items[first["id"]]["provisions"]] == [260_000]
    assert [d["agreed_pence"] for d in items[first["id"]]["panel_decisions"]] == [280_000]
    assert items[second["id"]]["streams"]["education"]["indicative_pence"] == 150_000
    assert items[second["id"]]["streams"]["social_care"]["indicative_pence"] == 0
    assert [p["annual_cost_pence"] for p in items[second["id"]]["provisions"]] == [90_000]
    assert items[second["id"]]["panel_decisions"] == []


@pytest.mark.parametrize("head_agreement, status", [(False, 409), (True, 201)])
async def test_bud_04_money_from_a_schools_budget_needs_the_heads_agreement(svc, head_agreement, status):
    budget = await open_with_lines(svc.client, [])
    r = await svc.client.post(f"/v1/budgets/{budget['id']}/provisions", headers=CASEWORK, json=line(
        "education", category="tuition", arrangement="notional", funding_source="school_budget",
        head_agreement=head_agreement))
    assert r.status_code == status, r.text
    if status == 409:
        assert r.json()["rule"] == "BUD-04" and r.json()["errors"][0]["field"] == "head_agreement"
    else:
        assert r.json()["funding_source"] == "school_budget"


async def test_the_asyncapi_document_describes_what_budget_publishes_and_consumes(svc):
    doc = (await svc.client.get("/asyncapi.json")).json()
    assert "budget_agreed_v1" in doc["components"]["messages"]
    assert "icb_health_funding_changed_v1" in doc["channels"]
    assert "budget__send__budget_health_funding_applied_v1" in doc["operations"]
    assert "budget__receive__payments_payment_issued_v1" in doc["operations"]
