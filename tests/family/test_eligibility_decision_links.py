"""Eligibility decision notices by signed link (issue 20; ELIG-10), through the gateway as a family and a caseworker
would: casework issues a link to one decision of a request; the family opens it with no token and reads what was
decided, why, and the next step open to them; from a refusal they ask for a review once (a second post records
nothing new); casework sees the request and answers it with a review, after which the notice's next step is a
complaint. Another LA, an expired, revoked or altered link opens nothing."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import jwt
import pytest

from kit.family import DEV_FAMILY_LINK_SECRET
from kit.settings import PlatformSettings
from services.eligibility.settings import EligibilitySettings
from tests.eligibility.helpers import BASE, body
from tests.family.test_family_links import assert_altered_copies_open_nothing
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

TODAY = date(2026, 11, 25)
PATH = "/v1/eligibility/family/"
NO_CONSENT = {"role": "parent", "capable_of_managing": True, "consents": False, "drug_or_alcohol_requirement": False}


async def decided(platform, clock, **changes) -> dict:
    """A request decided today: by default direct payments refused (ELIG-06: the parent does not consent)."""
    clock.set_to(TODAY, tick=True)
    changes.setdefault("recipient", NO_CONSENT)
    r = await platform.client.post(BASE, json=body(requested_on=str(TODAY), **changes),
                                   headers=await platform.token("dev-casework"))
    assert r.status_code == 201, r.text
    return r.json()


async def issue(platform, request: dict, key: str | None = None, **extra) -> dict:
    headers = {**await platform.token("dev-casework"), **({"Idempotency-Key": key} if key else {})}
    r = await platform.client.post(f"{BASE}/{request['id']}/family-links", headers=headers,
                                   json={"decision_id": request["decision_id"], **extra})
    assert r.status_code == 201, r.text
    return r.json()


def path_of(link: dict) -> str:
    return link["url"].removeprefix("http://127.0.0.1:8000")


async def links_of(platform, request_id: str) -> dict[str, dict]:
    r = await platform.client.get(f"{BASE}/{request_id}/family-links", headers=await platform.token("dev-casework"))
    assert r.status_code == 200, r.text
    return {link["id"]: link for link in r.json()["items"]}


async def ask(platform, link: dict, reason: str = "Sam's mum now agrees to manage the payments", **headers):
    return await platform.client.post(path_of(link) + "/review", data={"reason": reason}, headers=headers)


async def test_ELIG_10_the_family_reads_what_was_decided_why_and_that_they_may_ask_for_a_review(platform, clock):
    request = await decided(platform, clock)
    assert request["arrangements"]["direct_payment"]["allowed"] is False
    link = await issue(platform, request)
    assert (link["request_id"], link["document"], link["document_id"]) == (
        request["id"], "decision", request["decision_id"])
    assert datetime.fromisoformat(link["expires_at"]) - datetime.fromisoformat(link["issued_at"]) == timedelta(days=28)
    page = await platform.client.get(path_of(link), headers={"Accept": "text/html"})  # no Authorization header
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    text = page.text
    order = [text.index(h) for h in ("What we decided", "Which help, and why", "How the money can be held, and why",
                                     "What you can do next")]
    assert order == sorted(order)
    assert "Direct payments: the money is paid to you to arrange the help yourself: not allowed" in text
    assert "but the money cannot be held in every way you asked for" in text
    refusal = next(r for r in request["arrangements"]["direct_payment"]["reasons"] if r["rule"] == "ELIG-06")
    assert refusal["message"].replace("'", "&#x27;") in text and "(ELIG-06)" in text
    assert "Ask for a review" in text and f'action="{path_of(link)}/review"' in text
    pdf = await platform.client.get(path_of(link) + ".pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    logged = (await links_of(platform, request["id"]))[link["id"]]
    assert [(o["format"], o["outcome"]) for o in logged["openings"]] == [("pdf", "opened"), ("html", "opened")]


async def test_ELIG_10_the_family_asks_for_a_review_once_and_casework_answers_it_then_the_next_step_is_a_complaint(
        platform, clock):
    request = await decided(platform, clock)
    link = await issue(platform, request)
    first = await ask(platform, link, Accept="text/html")
    assert first.status_code == 201 and "We have your request for a review" in first.text
    again = await ask(platform, link, "Sent twice")
    assert again.status_code == 200 and again.json()["again"] is True
    casework = await platform.token("dev-casework")
    asked = (await platform.client.get(f"{BASE}/{request['id']}/review-requests", headers=casework)).json()["items"]
    assert [(a["decision_id"], a["reason"], a["open"], a["link_id"]) for a in asked] == [
        (request["decision_id"], "Sam's mum now agrees to manage the payments", True, link["id"])]
    assert (await links_of(platform, request["id"]))[link["id"]]["acted_at"] is not None
    # Recorded for the LA, not re-decided: the decision the family asked about is still the one in force.
    assert (await platform.client.get(f"{BASE}/{request['id']}", headers=casework)).json()["decision_id"] == \
        request["decision_id"]
    page = (await platform.client.get(path_of(link))).text
    assert "You asked for a review of this decision on 25 November 2026" in page and 'action="' not in page
    # Casework reviews it, with what the family told them: the review's decision supersedes the one asked about.
    reviewed = await platform.client.post(f"{BASE}/{request['id']}/review", headers=casework, json={
        "reason": asked[0]["reason"], "asked_by": "parent, from their decision notice link"})
    assert reviewed.status_code == 201, reviewed.text
    asked = (await platform.client.get(f"{BASE}/{request['id']}/review-requests", headers=casework)).json()["items"]
    assert asked[0]["open"] is False
    assert "replaced by a later one on 25 November 2026" in (await platform.client.get(path_of(link))).text
    # ELIG-10: the reviewed decision still refuses direct payments; its notice's next step is a complaint.
    after = await issue(platform, reviewed.json())
    text = (await platform.client.get(path_of(after))).text
    assert "made after a review you asked for" in text and "complaints process" in text and "Ombudsman" in text
    assert 'action="' not in text
    refused = await ask(platform, after, Accept="text/html")
    assert refused.status_code == 409 and "already reviewed" in refused.text


async def test_ELIG_10_a_decision_that_refuses_nothing_offers_no_review(platform, clock):
    request = await decided(platform, clock, recipient={**NO_CONSENT, "consents": True}, streams=["education"])
    assert request["status"] == "eligible" and all(a["allowed"] for a in request["arrangements"].values())
    link = await issue(platform, request)
    text = (await platform.client.get(path_of(link))).text
    assert "nothing to challenge" in text and 'action="' not in text
    r = await ask(platform, link)
    assert r.status_code == 409 and "ELIG-10" in r.json()["detail"]


async def test_expired_revoked_and_tampered_decision_links_are_refused_with_a_clear_page(platform, clock):
    request = await decided(platform, clock)
    short, revoked = await issue(platform, request, expires_in_days=1), await issue(platform, request)
    casework = await platform.token("dev-casework")
    revoke = f"{BASE}/{request['id']}/family-links/{revoked['id']}/revoke"
    r = await platform.client.post(revoke, headers=casework)
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert (await platform.client.post(revoke, headers=casework)).status_code == 409
    gone = await platform.client.get(path_of(revoked), headers={"Accept": "text/html"})
    assert gone.status_code == 410 and "This link has been withdrawn" in gone.text
    assert (await ask(platform, revoked)).status_code == 410
    clock.set_to(datetime.fromisoformat(short["expires_at"]) + timedelta(minutes=1), tick=True)
    expired = await platform.client.get(path_of(short))
    assert expired.status_code == 410 and expired.json()["title"] == "This link has expired"
    token = path_of(short).rsplit("/", 1)[1]
    await assert_altered_copies_open_nothing(platform, PATH, token, "review", {"reason": "x"})
    logged = await links_of(platform, request["id"])
    assert [o["outcome"] for o in logged[short["id"]]["openings"]] == ["expired"]


async def test_the_same_idempotency_key_gives_the_same_link_and_another_decision_or_la_gets_nothing(platform, clock):
    mine, theirs = await decided(platform, clock), await decided(platform, clock)
    first, again = await issue(platform, mine, key="elig-link-1"), await issue(platform, mine, key="elig-link-1")
    assert first == again and len(await links_of(platform, mine["id"])) == 1
    casework = await platform.token("dev-casework")
    r = await platform.client.post(f"{BASE}/{mine['id']}/family-links", headers=casework,
                                   json={"decision_id": theirs["decision_id"]})
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"decision_id"}
    claims = jwt.decode(path_of(first).rsplit("/", 1)[1], DEV_FAMILY_LINK_SECRET, algorithms=["HS256"],
                        audience="sendpb-family", options={"verify_exp": False})
    forged = jwt.encode({**claims, "did": theirs["decision_id"]}, DEV_FAMILY_LINK_SECRET, algorithm="HS256")
    assert (await platform.client.get(f"{PATH}{forged}")).status_code == 404
    other = await platform.token("dev-other-la")
    assert (await platform.client.post(f"{BASE}/{mine['id']}/family-links", headers=other,
                                       json={"decision_id": mine["decision_id"]})).status_code == 404
    assert (await platform.client.get(f"{BASE}/{mine['id']}/family-links", headers=other)).status_code == 404
    assert (await platform.client.get(f"{BASE}/{mine['id']}/review-requests", headers=other)).status_code == 404
    assert (await platform.client.post(f"{BASE}/{mine['id']}/family-links/{first['id']}/revoke",
                                       headers=other)).status_code == 404
    assert (await platform.client.get(f"{BASE}/{mine['id']}/family-links")).status_code == 401


def test_outside_dev_mode_eligibility_refuses_a_missing_or_dev_family_link_secret():
    prod = PlatformSettings.model_construct(mode="prod")
    with pytest.raises(ValueError, match="SENDPB_ELIGIBILITY_FAMILY_LINK_SECRET must be set outside dev mode"):
        EligibilitySettings().bound_to(prod)
    with pytest.raises(ValueError, match="holds the dev key"):
        EligibilitySettings(family_link_secret=DEV_FAMILY_LINK_SECRET,
                            family_link_base_url="https://pb.example.gov.uk").bound_to(prod)
    assert EligibilitySettings(family_link_secret="z" * 40, family_link_base_url="https://pb.example.gov.uk").bound_to(
        prod).family_link_key == b"z" * 40


DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


async def test_ELIG_10_the_decision_notice_and_its_answers_in_a_real_chromium_have_no_wcag_22_aa_violation(
        platform, clock):
    """The refusal's notice, the page the review form answers, the notice once the review was asked for, and the
    reviewed decision's notice (its next step a complaint), on a phone and a desktop: axe-core finds no WCAG 2.2
    A/AA violation on any; screenshots are kept in var/artifacts/family/."""
    async_playwright = _browser()
    request = await decided(platform, clock)
    link = await issue(platform, request)
    through_the_gateway, results = via_gateway(platform), {}

    async def opened(browser, viewport, path: str):
        # axe is injected by the test; the page's own CSP (no script) would otherwise refuse it.
        context = await browser.new_context(viewport=viewport, bypass_csp=True)
        page = await context.new_page()
        await page.route("http://gateway/**", through_the_gateway)
        assert (await page.goto(f"http://gateway{path}")).status == 200
        assert await page.title() == "Your personal budget decision"
        return context, page

    async def check(page, name: str) -> None:
        await page.screenshot(path=str(ARTIFACTS / f"eligibility-{name}.png"), full_page=True)
        results[name] = await axe(page)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context, page = await opened(browser, PHONE, path_of(link))  # the family asks once, from a phone
            await check(page, "decision-notice-phone")
            await page.fill("#reason", "Sam's mum now agrees to manage the payments")
            await page.click("button[type=submit]")
            await page.wait_for_selector("h1")
            assert await page.inner_text("h1") == "We have your request for a review"
            await check(page, "decision-review-asked-phone")
            await context.close()
            context, page = await opened(browser, DESKTOP, path_of(link))  # and sees it asked, on a desktop
            assert "You asked for a review of this decision" in await page.inner_text("main")
            await check(page, "decision-notice-asked-desktop")
            await context.close()
            reviewed = await platform.client.post(f"{BASE}/{request['id']}/review", headers=await platform.token(
                "dev-casework"), json={"reason": "The family asked from their notice", "asked_by": "parent"})
            assert reviewed.status_code == 201, reviewed.text
            complaint = await issue(platform, reviewed.json())
            for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):  # the reviewed decision: a complaint
                context, page = await opened(browser, viewport, path_of(complaint))
                assert "complaints process" in await page.inner_text("main")
                await check(page, f"decision-after-review-{size}")
                await context.close()
        finally:
            await browser.close()
    _keep("axe-results-eligibility-decision.json", json.dumps(results, indent=1))
    assert_no_violations(results)
    assert _size("eligibility-decision-notice-phone.png") > 10_000
