"""BUD-14: provision tied to the plan's outcomes; every review records progress per outcome and the child's or young
person's own views. Progress names only outcomes that the budget's lines name (422 naming BUD-14 otherwise); an LA
may require both at every review."""
from datetime import date

from kit.testing import LA, OTHER_LA, auth, running_service
from services.budget.app import create_app
from services.budget.domain.outcomes import Progress, Views, outcomes_of, review_refusals
from services.budget.settings import BudgetSettings
from tests.budget.helpers import CASEWORK, OTHER, READ, child, line, new_budget

CLUBS = "Takes part in after-school clubs"
TALK = "Tells adults what he needs"
BOTH = auth("casework", "panel")


def test_BUD_14_progress_names_only_the_outcomes_the_lines_name_each_once():
    outcomes = outcomes_of([CLUBS, " takes part in  after-school CLUBS ", TALK])
    assert outcomes == [CLUBS, TALK]
    assert review_refusals([Progress("TAKES PART IN after-school clubs", "good")], None, outcomes,
                           required=False) == []
    [unknown] = review_refusals([Progress("Rides a bike", "some")], None, outcomes, required=False)
    assert (unknown.rule, unknown.field) == ("BUD-14", "progress[0].outcome") and CLUBS in unknown.message
    [twice] = review_refusals([Progress(CLUBS, "some"), Progress(CLUBS, "good")], None, outcomes, required=False)
    assert twice.field == "progress[1].outcome"
    assert [r.field for r in review_refusals([], None, outcomes, required=True)] == ["progress", "progress", "views"]
    given = [Progress(CLUBS, "achieved"), Progress(TALK, "not_started")]
    assert review_refusals(given, Views("I like football club", "child"), outcomes, required=True) == []
    assert review_refusals(given, Views("   ", "child"), outcomes, required=True)[0].field == "views"


async def agreed(client, la: str, headers: dict) -> dict:
    """A budget of ``la`` with two lines (two outcomes) taken to agreement."""
    r = await client.post("/v1/budgets", json=new_budget(child(), la=la, indicative={"social_care": 300_000}),
                          headers=headers)
    assert r.status_code == 201, r.text
    url = f"/v1/budgets/{r.json()['id']}"
    for body in (line("social_care", 200_000, outcome=CLUBS),
                 line("social_care", 100_000, category="therapy", arrangement="notional", outcome=TALK)):
        assert (await client.post(f"{url}/provisions", json=body, headers=headers)).status_code == 201
    assert (await client.post(f"{url}/submit", headers=headers)).status_code == 200
    assert (await client.post(f"{url}/panel-decisions", headers=headers, json={
        "stream": "social_care", "decision": "approved", "agreed_pence": 300_000, "decided_by": "panel"})
    ).status_code == 201
    r = await client.post(f"{url}/agree", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_BUD_14_a_review_records_progress_per_outcome_and_the_childs_views(backend, clock):
    clock.set_to(date(2027, 1, 15), tick=True)
    async with running_service(create_app, backend, service="budget") as svc:
        budget = await agreed(svc.client, LA, BOTH)
        url = f"/v1/budgets/{budget['id']}/reviews"
        clock.set_to(date(2027, 4, 15), tick=True)
        r = await svc.client.post(url, headers=CASEWORK, json={
            "reviewed_on": "2027-04-15", "kind": "first", "notes": "first review",
            "progress": [{"outcome": CLUBS.upper(), "progress": "good", "note": "goes to football twice a week"},
                         {"outcome": TALK, "progress": "some"}],
            "views": {"text": "I want to go to swimming too", "given_by": "child"}})
        assert r.status_code == 201, r.text
        assert r.json()["progress"] == [
            {"outcome": CLUBS.upper(), "progress": "good", "note": "goes to football twice a week"},
            {"outcome": TALK, "progress": "some", "note": ""}]
        assert r.json()["views"] == {"text": "I want to go to swimming too", "given_by": "child"}
        [shown] = (await svc.client.get(url, headers=READ)).json()["items"]
        assert shown["progress"][0]["progress"] == "good" and shown["views"]["given_by"] == "child"

        # An existing client's review, without either, is still recorded (CONTRACT.md: extend, never break).
        plain = await svc.client.post(url, headers=CASEWORK, json={"reviewed_on": "2027-04-15", "kind": "requested"})
        assert plain.status_code == 201 and plain.json()["progress"] == [] and plain.json()["views"] is None


async def test_BUD_14_progress_on_an_outcome_the_lines_do_not_name_is_422_and_records_nothing(memory_backend, clock):
    clock.set_to(date(2027, 1, 15), tick=True)
    async with running_service(create_app, memory_backend, service="budget") as svc:
        budget = await agreed(svc.client, LA, BOTH)
        url = f"/v1/budgets/{budget['id']}/reviews"
        for progress, field in (([{"outcome": "Rides a bike", "progress": "good"}], "progress[0].outcome"),
                                ([{"outcome": TALK, "progress": "some"}, {"outcome": TALK, "progress": "good"}],
                                 "progress[1].outcome")):
            r = await svc.client.post(url, headers=CASEWORK, json={"reviewed_on": "2027-01-15", "kind": "first",
                                                                   "progress": progress})
            assert r.status_code == 422 and r.json()["rule"] == "BUD-14", r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["errors"][0]["field"] == field
        r = await svc.client.post(url, headers=CASEWORK, json={
            "reviewed_on": "2027-01-15", "kind": "first", "progress": [{"outcome": TALK, "progress": "brilliant"}],
            "views": {"text": "ok", "given_by": "the cat"}})
        assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} >= {"progress.0.progress",
                                                                                     "views.given_by"}
        assert (await svc.client.get(url, headers=READ)).json()["items"] == []


async def test_BUD_14_an_la_that_requires_them_refuses_a_review_without_progress_on_every_outcome_or_views(
        memory_backend, clock):
    settings = BudgetSettings(outcomes_and_views_required_las=[OTHER_LA])
    clock.set_to(date(2027, 1, 15), tick=True)
    async with running_service(create_app, memory_backend, service="budget", settings=settings) as svc:
        strict, relaxed = await agreed(svc.client, OTHER_LA, OTHER), await agreed(svc.client, LA, BOTH)
        some = {"reviewed_on": "2027-01-15", "kind": "first", "progress": [{"outcome": CLUBS, "progress": "some"}]}
        r = await svc.client.post(f"/v1/budgets/{strict['id']}/reviews", headers=OTHER, json=some)
        assert r.status_code == 422 and r.json()["rule"] == "BUD-14"
        assert [e["field"] for e in r.json()["errors"]] == ["progress", "views"] and TALK in r.text
        assert (await svc.client.post(f"/v1/budgets/{relaxed['id']}/reviews", headers=CASEWORK, json=some)
                ).status_code == 201
        whole = {**some, "progress": [*some["progress"], {"outcome": TALK, "progress": "achieved"}],
                 "views": {"text": "He says he likes his new PA", "given_by": "parent_on_their_behalf"}}
        r = await svc.client.post(f"/v1/budgets/{strict['id']}/reviews", headers=OTHER, json=whole)
        assert r.status_code == 201, r.text
