"""A dispute's notice by signed link (issue 20; BUD-13), through the gateway as a family and a caseworker would:
casework issues a link to one dispute; the family opens it with no token and sees every step so far with its dates,
outcome and reasons, what was paid and is left, and the next step open to them; where that step is theirs to take
through the council (a return to panel, a complaint) they take it from the page, once per link, through budget's
own escalate use case; the Ombudsman is theirs to go to directly, so the page says how and offers no form."""
from __future__ import annotations

import json
from datetime import date

from tests.family.test_family_links import _tampered, agreed_budget, issue, path_of
from tests.family.test_family_pages import (
    ARTIFACTS,
    CHROMIUM,
    _browser,
    _keep,
    _size,
    assert_no_violations,
    axe,
    via_gateway,
)

TODAY = date(2026, 11, 2)
PATH = "/v1/budgets/family/"


async def disputed(platform, clock, budget: dict | None = None) -> tuple[dict, dict]:
    """A dispute of what an agreed budget pays for, raised by the parent; the budget and the dispute."""
    clock.set_to(TODAY, tick=True)
    budget = budget or await agreed_budget(platform)
    r = await platform.client.post(f"/v1/budgets/{budget['id']}/disputes", headers=await casework(platform), json={
        "subject": "contents", "details": "Hydrotherapy is missing from the budget", "raised_by": "parent"})
    assert r.status_code == 201, r.text
    return budget, r.json()


async def casework(platform, key: str | None = None) -> dict:
    return {**await platform.token("dev-casework"), **({"Idempotency-Key": key} if key else {})}


async def decide(platform, budget: dict, dispute: dict, outcome: str = "not_upheld", reasons: str = "") -> dict:
    r = await platform.client.post(f"/v1/budgets/{budget['id']}/disputes/{dispute['id']}/decision",
                                   headers=await casework(platform), json={
                                       "outcome": outcome, "decided_by": "Senior SEND officer",
                                       "reasons": reasons or "Hydrotherapy is provided by the school's own pool"})
    assert r.status_code == 200, r.text
    return r.json()


async def escalate(platform, link: dict, reason: str = "The school pool closed in September", **headers):
    return await platform.client.post(path_of(link) + "/escalations", data={"reason": reason}, headers=headers)


async def test_BUD_13_the_dispute_notice_shows_every_step_with_its_dates_and_outcome_and_the_next_step(
        platform, clock):
    budget, dispute = await disputed(platform, clock)
    waiting = await issue(platform, budget["id"], document="dispute", document_id=dispute["id"])
    assert (waiting["document"], waiting["document_id"]) == ("dispute", dispute["id"])
    text = (await platform.client.get(path_of(waiting), headers={"Accept": "text/html"})).text
    order = [text.index(h) for h in ("What the money is", "What was paid", "What is left", "Each step so far",
                                     "What you can do next")]
    assert order == sorted(order)
    assert "You disputed what the budget pays for on 2 November 2026" in text
    assert "Reconsideration by the local authority</th><td>2 November 2026</td><td>not yet</td>" in text
    assert "Wait for the local authority&#x27;s reconsideration decision" in text and 'action="' not in text
    r = await escalate(platform, waiting)  # nothing the family can take while a step waits for its decision
    assert r.status_code == 409 and r.json()["title"] == "There is no step for you to take here now"
    await decide(platform, budget, dispute)
    text = (await platform.client.get(path_of(waiting))).text
    assert ("<td>2 November 2026</td><td>2 November 2026</td><td>not upheld</td>"
            "<td>Hydrotherapy is provided by the school&#x27;s own pool</td>") in text
    assert "Ask for your budget to go back to panel" in text and f'action="{path_of(waiting)}/escalations"' in text
    pdf = await platform.client.get(path_of(waiting) + ".pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_BUD_13_the_family_takes_each_next_step_once_per_link_through_the_escalate_use_case(platform, clock):
    budget, dispute = await disputed(platform, clock)
    await decide(platform, budget, dispute)
    link = await issue(platform, budget["id"], document="dispute", document_id=dispute["id"])
    first = await escalate(platform, link, Accept="text/html")
    assert first.status_code == 201 and "send the budget back to panel" in first.text
    again = await escalate(platform, link, "Sent twice")
    assert again.status_code == 200 and again.json() == {"step": "panel", "record_id": dispute["id"], "again": True}
    read = (await platform.client.get(f"/v1/budgets/{budget['id']}/disputes/{dispute['id']}",
                                      headers=await casework(platform))).json()
    assert [s["step"] for s in read["steps"]] == ["reconsideration", "panel"]
    assert "The school pool closed in September" in read["steps"][1]["reason"]
    text = (await platform.client.get(path_of(link))).text
    assert "You took this step from this page on 2 November 2026" in text and 'action="' not in text
    # The panel does not uphold it: a new link offers the complaint, taken the same way, once.
    await decide(platform, budget, dispute, reasons="The panel agrees the school provides it")
    complaint = await issue(platform, budget["id"], document="dispute", document_id=dispute["id"])
    assert "Make a complaint" in (await platform.client.get(path_of(complaint))).text
    r = await escalate(platform, complaint, "Nobody has looked at the pool's closure")
    assert r.status_code == 201 and r.json()["step"] == "complaint"
    # After the complaint, the Ombudsman: independent, so the page says how and offers no form.
    await decide(platform, budget, dispute, reasons="The complaint found the decision was made properly")
    ombudsman = await issue(platform, budget["id"], document="dispute", document_id=dispute["id"])
    text = (await platform.client.get(path_of(ombudsman))).text
    assert "Complain to the Local Government and Social Care Ombudsman (www.lgo.org.uk)" in text
    assert "You can do this until 2 November 2027" in text and 'action="' not in text
    r = await escalate(platform, ombudsman)
    assert r.status_code == 409 and "Ombudsman" in r.json()["detail"]
    read = (await platform.client.get(f"/v1/budgets/{budget['id']}/disputes/{dispute['id']}",
                                      headers=await casework(platform))).json()
    assert [(s["step"], s["outcome"]) for s in read["steps"]] == [
        ("reconsideration", "not_upheld"), ("panel", "not_upheld"), ("complaint", "not_upheld")]


async def test_BUD_13_a_dispute_link_names_a_dispute_of_this_budget_and_refuses_what_it_should(platform, clock):
    budget, dispute = await disputed(platform, clock)
    other, theirs = await disputed(platform, clock, await agreed_budget(platform, commit_pence=0))
    headers = await casework(platform)
    for body in ({"document": "dispute"}, {"document": "dispute", "document_id": theirs["id"]}):
        r = await platform.client.post(f"/v1/budgets/{budget['id']}/family-links", json=body, headers=headers)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "document_id", (body, r.text)
    r = await platform.client.post(f"/v1/budgets/{budget['id']}/family-links", headers=await platform.token(
        "dev-other-la"), json={"document": "dispute", "document_id": dispute["id"]})
    assert r.status_code == 404
    first = await issue(platform, budget["id"], key="dispute-link-1", document="dispute", document_id=dispute["id"])
    assert first == await issue(platform, budget["id"], key="dispute-link-1", document="dispute",
                                document_id=dispute["id"])
    # A statement's or a decision notice's token takes no step of a dispute.
    statement = await issue(platform, budget["id"])
    assert (await escalate(platform, statement)).status_code == 404
    revoke = f"/v1/budgets/{budget['id']}/family-links/{first['id']}/revoke"
    assert (await platform.client.post(revoke, headers=headers)).status_code == 200
    gone = await platform.client.get(path_of(first), headers={"Accept": "text/html"})
    assert gone.status_code == 410 and "This link has been withdrawn" in gone.text
    assert (await escalate(platform, first)).status_code == 410
    short = await issue(platform, budget["id"], document="dispute", document_id=dispute["id"], expires_in_days=1)
    clock.set_to(date(2026, 11, 4), tick=True)
    assert (await platform.client.get(path_of(short))).status_code == 410
    for bad in _tampered(path_of(short).rsplit("/", 1)[1]):
        assert (await platform.client.post(f"{PATH}{bad}/escalations", data={"reason": "x"})).status_code == 404


DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


async def test_BUD_13_the_dispute_notice_and_its_answer_in_a_real_chromium_have_no_wcag_22_aa_violation(
        platform, clock):
    """On a phone and a desktop: the notice offering a return to panel, and the page the form answers; axe-core
    finds no WCAG 2.2 A/AA violation; screenshots are kept in var/artifacts/family/."""
    async_playwright = _browser()
    budget, dispute = await disputed(platform, clock)
    await decide(platform, budget, dispute)
    through_the_gateway, results = via_gateway(platform), {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
                link = await issue(platform, budget["id"], document="dispute", document_id=dispute["id"])
                # axe is injected by the test; the page's own CSP (no script) would otherwise refuse it.
                context = await browser.new_context(viewport=viewport, bypass_csp=True)
                page = await context.new_page()
                await page.route("http://gateway/**", through_the_gateway)
                assert (await page.goto(f"http://gateway{path_of(link)}")).status == 200
                assert await page.title() == "Your dispute about your child's personal budget"
                await page.screenshot(path=str(ARTIFACTS / f"dispute-notice-{size}.png"), full_page=True)
                results[f"dispute-notice-{size}"] = await axe(page)
                if size == "phone":  # the family takes the step once, from the phone
                    await page.fill("#reason", "The school pool closed in September")
                    await page.click("button[type=submit]")
                    await page.wait_for_selector("h1")
                    assert await page.inner_text("h1") == "We have your request"
                    await page.screenshot(path=str(ARTIFACTS / "dispute-escalated-phone.png"), full_page=True)
                    results["dispute-escalated-phone"] = await axe(page)
                await context.close()
        finally:
            await browser.close()
    _keep("axe-results-dispute.json", json.dumps(results, indent=1))
    assert_no_violations(results)
    assert _size("dispute-notice-phone.png") > 10_000
