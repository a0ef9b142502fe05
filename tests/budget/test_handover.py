"""ELIG-14, before 18: the budget service consumes eligibility.adulthood_approaching.v1 (once, through its inbox) and
prepares the handover of the young person's budgets to adult social care: what is agreed, committed and paid per
stream, how it is held, outcomes and progress (BUD-14), the next review and open disputes (BUD-13). The summary is
pure (domain/handover.py); the API and the consumer run on both backends."""
import asyncio
import uuid
from datetime import date

import pytest

from kit.bus import Outgoing
from kit.testing import LA, auth, eventually, running_service
from services.budget.app import create_app
from services.budget.domain import handover as rules
from tests.budget.helpers import CASEWORK, OTHER, PANEL, READ, child, new_budget, publish

TODAY = date(2027, 1, 15)
CLUBS, TALK = "Takes part in after-school clubs", "Says what they want in their own words"


# --- the summary (pure) ------------------------------------------------------------------------------------------

def _lines() -> list[rules.ProvisionLine]:
    return [rules.ProvisionLine("social_care", "Personal assistant", CLUBS, "direct_payment", 200_000),
            rules.ProvisionLine("social_care", "Speech therapy", TALK, "notional", 100_000),
            rules.ProvisionLine("education", "Club fees", CLUBS.upper(), "third_party", 50_000)]


def _dispute(status: str, step: str = "panel") -> rules.DisputeHeld:
    return rules.DisputeHeld(f"d-{status}", "amount", status, step, date(2026, 12, 1), "complaint",
                             "Make a complaint", None)


def test_ELIG_14_the_handover_summary_says_what_is_agreed_committed_paid_held_achieved_due_and_disputed():
    streams = [rules.StreamMoney("social_care", 300_000, 0, 40_000, 75_000, 185_000),
               rules.StreamMoney("education", 50_000, 0, 0, 0, 50_000),
               rules.StreamMoney("health", 0, 0, 0, 0, 0)]
    reviews = [rules.ReviewHeld(date(2026, 6, 1), [{"outcome": CLUBS, "progress": "some", "note": ""}],
                                "I like football", "young_person"),
               rules.ReviewHeld(date(2026, 12, 1), [{"outcome": clubs_written_otherwise(), "progress": "good",
                                                     "note": "twice a week"}], None, None)]
    s = rules.build(budget_status="agreed", plan_reference="EHCP-1", period_start=date(2026, 9, 1),
                    period_end=date(2027, 8, 31), streams=streams, lines=_lines(), reviews=reviews,
                    disputes=[_dispute("decided"), _dispute("resolved"), _dispute("concluded", "ombudsman")],
                    next_review_due=date(2027, 6, 1), next_review_reason="annual", turns_18_on=date(2027, 5, 2))
    assert [m.stream for m in s.streams] == ["social_care", "education"]  # nothing in health: not shown
    assert (s.agreed_pence, s.committed_pence, s.spent_pence) == (350_000, 40_000, 75_000)
    assert [(a.arrangement, a.annual_cost_pence, a.streams) for a in s.arrangements] == [
        ("direct_payment", 200_000, ("social_care",)), ("third_party", 50_000, ("education",)),
        ("notional", 100_000, ("social_care",))]
    clubs, talk = s.outcomes
    # Outcomes are matched as people write them (BUD-14): the club fees line serves the same outcome.
    assert clubs.provision == ("Personal assistant", "Club fees") and clubs.annual_cost_pence == 250_000
    assert (clubs.progress, clubs.note, clubs.reviewed_on) == ("good", "twice a week", date(2026, 12, 1))
    assert (talk.progress, talk.reviewed_on) == (None, None)
    assert s.views == rules.Views("I like football", "young_person", date(2026, 6, 1))
    assert [d.dispute_id for d in s.open_disputes] == ["d-decided"]  # resolved and concluded ones are closed
    for said in ("Turns 18 on 2027-05-02.", "social care £3,000.00 (£400.00 committed, £750.00 paid)",
                 "a direct payment to the family £2,000.00 a year", "progress good at the review of 2026-12-01",
                 "no progress recorded yet", '"I like football"', "Next review due 2027-06-01.",
                 "Open dispute of the amount at panel since 2026-12-01: next step complaint."):
        assert said in s.summary, said


def clubs_written_otherwise() -> str:
    return "  takes part in AFTER-SCHOOL clubs "


def test_ELIG_14_an_empty_budget_still_hands_over_what_there_is_and_says_so():
    s = rules.build(budget_status="draft", plan_reference="P", period_start=date(2026, 1, 1),
                    period_end=date(2026, 12, 31), streams=[rules.StreamMoney("health", 0, 0, 0, 0, 0)], lines=[],
                    reviews=[], disputes=[], next_review_due=None, next_review_reason=None, care_leaver=True)
    assert s.streams == () and s.arrangements == () and s.outcomes == () and s.views is None
    assert "Nothing agreed yet." in s.summary and "No review is scheduled." in s.summary
    assert "A care leaver" in s.summary and "No dispute is open." in s.summary


# --- the consumer and the API (both backends) -------------------------------------------------------------------

BOTH = auth("casework", "panel")


@pytest.fixture
async def svc(backend, clock):
    clock.set_to(TODAY, tick=True)
    async with running_service(create_app, backend, service="budget") as running:
        yield running


async def agreed(client, cyp: str) -> dict:
    r = await client.post("/v1/budgets", json=new_budget(cyp, start=date(2026, 12, 1),
                                                         indicative={"social_care": 300_000}), headers=CASEWORK)
    assert r.status_code == 201, r.text
    url = f"/v1/budgets/{r.json()['id']}"
    for body in ({"description": "Personal assistant", "outcome": CLUBS, "stream": "social_care",
                  "category": "personal_assistant", "annual_cost_pence": 200_000, "arrangement": "direct_payment",
                  "on_setting_premises": False},
                 {"description": "Speech therapy", "outcome": TALK, "stream": "social_care", "category": "therapy",
                  "annual_cost_pence": 100_000, "arrangement": "notional", "on_setting_premises": False}):
        assert (await client.post(f"{url}/provisions", json=body, headers=CASEWORK)).status_code == 201
    assert (await client.post(f"{url}/submit", headers=CASEWORK)).status_code == 200
    assert (await client.post(f"{url}/panel-decisions", headers=PANEL, json={
        "stream": "social_care", "decision": "approved", "agreed_pence": 300_000, "decided_by": "panel"})
    ).status_code == 201
    r = await client.post(f"{url}/agree", headers=CASEWORK)
    assert r.status_code == 200, r.text
    return r.json()


def approaching(cyp: str, *, la: str = LA, care_leaver: bool = False) -> dict:
    return {"child_id": cyp, "local_authority": la, "turns_18_on": "2027-05-02", "request_id": str(uuid.uuid4()),
            "decision_id": str(uuid.uuid4()), "status": "eligible", "streams": {},
            "handover": {"summary": "Turns 18 on 2027-05-02. Eligible for social care.",
                         "eligible_streams": ["social_care"], "allowed_arrangements": ["direct_payment"],
                         "requested_on": "2026-11-20", "decided_at": "2026-11-20T10:00:00Z",
                         "rules_version": "2027.01", "care_leaver": care_leaver,
                         "transition_reviewed_on": "2023-06-01"}}


async def handovers(client, headers=READ, **params) -> list[dict]:
    r = await client.get("/v1/budgets/handovers", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def of_child(client, cyp: str) -> dict | None:
    return next((h for h in await handovers(client, local_authority=LA, limit=500) if h["child_id"] == cyp), None)


async def test_ELIG_14_the_event_prepares_the_handover_of_the_young_persons_budget_once(svc):
    c, cyp = svc.client, child()
    budget = await agreed(c, cyp)
    url = f"/v1/budgets/{budget['id']}"
    assert (await c.post(f"{url}/disputes", headers=CASEWORK, json={
        "subject": "amount", "details": "Not enough PA hours", "raised_by": "young person"})).status_code == 201
    r = await c.post(f"{url}/reviews", headers=BOTH, json={
        "reviewed_on": TODAY.isoformat(), "kind": "requested", "notes": "transition review",
        "progress": [{"outcome": CLUBS, "progress": "good", "note": "goes to football"}],
        "views": {"text": "I want to go to college", "given_by": "young_person"}})
    assert r.status_code == 201, r.text

    before = (await c.get(f"{url}/handover", headers=READ)).json()
    assert before["prepared_at"] is None and before["turns_18_on"] is None  # eligibility has not told yet

    env = await publish(svc.runtime.bus, "eligibility.adulthood_approaching.v1", approaching(cyp, care_leaver=True),
                        producer="eligibility")
    prepared = await eventually(lambda: of_child(c, cyp))
    assert prepared["outcome"] == "prepared" and prepared["budget_ids"] == [budget["id"]]
    assert prepared["turns_18_on"] == "2027-05-02" and prepared["care_leaver"] is True
    assert prepared["eligibility_summary"].startswith("Turns 18 on 2027-05-02.")

    # A redelivery of the same event is dropped by the inbox: one handover, prepared once.
    await svc.runtime.bus.publish([Outgoing(env.type, env.to_bytes(), str(env.event_id))])
    await asyncio.sleep(0.3)
    same = await of_child(c, cyp)
    assert same["prepared_at"] == prepared["prepared_at"]
    assert [h["child_id"] for h in await handovers(c, local_authority=LA, limit=500)].count(cyp) == 1

    h = (await c.get(f"{url}/handover", headers=READ)).json()
    assert (h["budget_id"], h["child_id"], h["turns_18_on"], h["care_leaver"]) == (budget["id"], cyp, "2027-05-02",
                                                                                   True)
    assert h["prepared_at"] == prepared["prepared_at"] and h["budget_status"] == "agreed"
    [care] = h["streams"]
    assert (care["stream"], care["agreed_pence"], care["spent_pence"]) == ("social_care", 300_000, 0)
    assert h["agreed_pence"] == 300_000
    assert {a["arrangement"]: a["annual_cost_pence"] for a in h["arrangements"]} == {
        "direct_payment": 200_000, "notional": 100_000}
    assert [(o["outcome"], o["progress"]) for o in h["outcomes"]] == [(CLUBS, "good"), (TALK, None)]
    assert h["views"] == {"text": "I want to go to college", "given_by": "young_person",
                          "reviewed_on": TODAY.isoformat()}
    assert h["next_review_due"] is not None
    [dispute] = h["open_disputes"]
    assert (dispute["step"], dispute["status"], dispute["next_step"]) == ("reconsideration", "open", "none")
    assert "Turns 18 on 2027-05-02." in h["summary"] and "A care leaver" in h["summary"]


async def test_ELIG_14_a_young_person_with_no_budget_is_recorded_not_dead_lettered(svc):
    cyp = child()
    await publish(svc.runtime.bus, "eligibility.adulthood_approaching.v1", approaching(cyp), producer="eligibility")
    recorded = await eventually(lambda: of_child(svc.client, cyp))
    assert recorded["outcome"] == "no_budget" and recorded["budget_ids"] == []


async def test_ELIG_14_a_handover_is_its_las_own_another_la_sees_404_and_is_refused_its_list(svc):
    c, cyp = svc.client, child()
    budget = await agreed(c, cyp)
    await publish(svc.runtime.bus, "eligibility.adulthood_approaching.v1", approaching(cyp), producer="eligibility")
    await eventually(lambda: of_child(c, cyp))
    r = await c.get(f"/v1/budgets/{budget['id']}/handover", headers=OTHER)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert cyp not in [h["child_id"] for h in await handovers(c, headers=OTHER, limit=500)]
    refused = await c.get("/v1/budgets/handovers", params={"local_authority": LA}, headers=OTHER)
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "local_authority"
    bad = await c.get("/v1/budgets/handovers", params={"local_authority": "Bucks"}, headers=READ)
    assert bad.status_code == 422


async def test_ELIG_14_the_list_of_handovers_is_paged(svc):
    c = svc.client
    for _ in range(3):
        await publish(svc.runtime.bus, "eligibility.adulthood_approaching.v1", approaching(child()),
                      producer="eligibility")

    async def three():
        return len(await handovers(c, local_authority=LA, limit=500)) >= 3 or None

    await eventually(three)
    first = (await c.get("/v1/budgets/handovers", params={"local_authority": LA, "limit": 2}, headers=READ)).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = (await c.get("/v1/budgets/handovers", params={"local_authority": LA, "limit": 2,
                                                           "cursor": first["next_cursor"]}, headers=READ)).json()
    assert not {h["id"] for h in first["items"]} & {h["id"] for h in second["items"]}
