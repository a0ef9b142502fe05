"""A decision notice by signed link (issue 20; BUD-10, BUD-13): casework issues a link to one variation or panel
decision of a budget; the family opens it with no token, reads the decision, what was paid and is left of that part
of the budget and the next step open to them, and takes it from the page once: a reduction under notice is
reconsidered (BUD-10), any other decision disputed through the disputes use case (BUD-13). A second post records
nothing new; a statement's token opens no decision form; a decision of another budget cannot be linked."""
from __future__ import annotations

from datetime import date

import pytest

from tests.family.test_family_links import agreed_budget, issue, path_of

TODAY = date(2026, 11, 2)


async def reduction(platform, budget: dict) -> dict:
    """Social care raised from £3,120 to £3,300 (applied at once), then a reduction to £3,150 under notice (BUD-10:
    never below the £3,120 its provision costs, BUD-05)."""
    admin = await platform.token("dev-admin")
    for to_pence, reasons in ((330_000, "More hours over the summer"),
                              (315_000, "Fewer personal-assistant hours are needed in term time")):
        r = await platform.client.post(f"/v1/budgets/{budget['id']}/variations", headers=admin,
                                       json={"stream": "social_care", "agreed_pence": to_pence, "reasons": reasons})
        assert r.status_code == 201, r.text
    return r.json()


async def test_BUD_10_the_family_asks_for_a_reduction_to_be_reconsidered_once_from_its_notice(platform, clock):
    clock.set_to(TODAY, tick=True)
    budget = await agreed_budget(platform)
    variation = await reduction(platform, budget)
    link = await issue(platform, budget["id"], document="variation", document_id=variation["id"])
    assert (link["document"], link["document_id"]) == ("variation", variation["id"])
    page = await platform.client.get(path_of(link), headers={"Accept": "text/html"})
    assert page.status_code == 200, page.text
    text = page.text
    order = [text.index(h) for h in ("What the money is", "What was paid", "What is left", "What you can do next")]
    assert order == sorted(order)
    assert "we intend to reduce it from £3,300.00 to £3,150.00 a year" in text
    assert "Our reasons: Fewer personal-assistant hours are needed in term time" in text
    assert "£3,175.00 is left: £3,300.00 for the year, less £0.00 paid, less £125.00 set aside" in text
    assert "Ask us to reconsider this reduction, once" in text  # BUD-13: the next step, named
    action = path_of(link) + "/disputes"
    assert f'action="{action}"' in text

    first = await platform.client.post(action, data={"reason": "The holidays need more hours, not fewer"},
                                       headers={"Accept": "text/html"})
    assert first.status_code == 201 and "You asked us to reconsider the decision" in first.text
    again = await platform.client.post(action, data={"reason": "Posted twice"})
    assert again.status_code == 200 and again.json() == {"step": "reconsideration", "record_id": variation["id"],
                                                         "again": True}
    casework = await platform.token("dev-casework")
    listed = (await platform.client.get(f"/v1/budgets/{budget['id']}/variations", headers=casework)).json()["items"]
    [read] = [v for v in listed if v["id"] == variation["id"]]
    assert read["status"] == "reconsideration_requested"
    assert "The holidays need more hours" in read["reconsideration_reason"]
    after = (await platform.client.get(path_of(link))).text
    assert "You asked for this from this page on 2 November 2026" in after and 'action="' not in after
    pdf = await platform.client.get(path_of(link) + ".pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_BUD_13_the_family_disputes_a_panel_decision_from_its_notice_through_the_disputes_use_case(
        platform, clock):
    clock.set_to(TODAY, tick=True)
    budget = await agreed_budget(platform)
    decision = next(d for d in budget["panel_decisions"] if d["stream"] == "education")
    link = await issue(platform, budget["id"], document="panel_decision", document_id=decision["id"])
    text = (await platform.client.get(path_of(link), headers={"Accept": "text/html"})).text
    assert "the panel approved £1,950.00 a year for this part" in text
    assert "Ask the local authority to reconsider" in text
    r = await platform.client.post(path_of(link) + "/disputes", data={"reason": "Tuition needs two sessions a week"})
    assert r.status_code == 201 and r.json()["step"] == "reconsideration" and r.json()["again"] is False
    disputes = (await platform.client.get(f"/v1/budgets/{budget['id']}/disputes",
                                          headers=await platform.token("dev-casework"))).json()["items"]
    [opened] = [d for d in disputes if d["id"] == r.json()["record_id"]]
    assert opened["panel_decision_id"] == decision["id"] and opened["subject"] == "amount"
    assert opened["steps"][0]["step"] == "reconsideration" and "two sessions" in opened["details"]
    again = await platform.client.post(path_of(link) + "/disputes", data={"reason": "Again"})
    assert again.status_code == 200 and again.json()["record_id"] == opened["id"]
    assert len((await platform.client.get(f"/v1/budgets/{budget['id']}/disputes",
                                          headers=await platform.token("dev-casework"))).json()["items"]) == 1


async def test_a_statement_token_opens_no_decision_form_and_a_decision_needs_a_record_of_this_budget(
        platform, clock):
    clock.set_to(TODAY, tick=True)
    budget, other = await agreed_budget(platform), await agreed_budget(platform, commit_pence=0)
    statement = await issue(platform, budget["id"])
    r = await platform.client.post(path_of(statement) + "/disputes", data={"reason": "x"})
    assert r.status_code == 404
    theirs = await reduction(platform, other)
    casework = await platform.token("dev-casework")
    for body in ({"document": "variation"}, {"document": "variation", "document_id": theirs["id"]},
                 {"document": "statement", "document_id": theirs["id"]}):
        r = await platform.client.post(f"/v1/budgets/{budget['id']}/family-links", json=body, headers=casework)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "document_id", (body, r.text)
    # Another LA's caseworker cannot issue a decision notice's link either (404, never a hint).
    r = await platform.client.post(f"/v1/budgets/{other['id']}/family-links", headers=await platform.token(
        "dev-other-la"), json={"document": "variation", "document_id": theirs["id"]})
    assert r.status_code == 404


@pytest.mark.parametrize("missing", [{}, {"reason": ""}])
async def test_a_dispute_without_a_reason_is_a_422_naming_it(platform, clock, missing):
    clock.set_to(TODAY, tick=True)
    budget = await agreed_budget(platform, commit_pence=0)
    decision = budget["panel_decisions"][0]
    link = await issue(platform, budget["id"], document="panel_decision", document_id=decision["id"])
    r = await platform.client.post(path_of(link) + "/disputes", data=missing)
    assert r.status_code == 422 and "reason" in {e["field"] for e in r.json()["errors"]}
