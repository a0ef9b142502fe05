"""Every family document by signed link, as a person sees it (issue 20, items 4 and 5): the recovery notice
(PAY-07), a contract's summary (CON-07) and a decision notice (BUD-10, BUD-13) open in a real Chromium (Debian's,
driven by Playwright) on a phone; axe-core finds no WCAG 2.2 A/AA violation on each, on the page the family's form
answers, and on a refused link's page; screenshots are kept in var/artifacts/family/."""
from __future__ import annotations

import json

from tests.family import test_decision_links, test_recovery_links, test_summary_links
from tests.family.test_family_links import agreed_budget
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

PHONE = {"width": 390, "height": 844}


async def test_each_family_document_and_its_answer_in_a_real_chromium_has_no_wcag_22_aa_violation(platform, clock):
    async_playwright = _browser()
    recovery, _ = await test_recovery_links.recovery_notice(platform, clock)
    notice = await test_recovery_links.issue(platform, recovery["id"])
    contract, child = await test_summary_links.served_child(platform, clock)
    summary = await test_summary_links.issue(platform, contract["id"], child)
    budget = await agreed_budget(platform)
    variation = await test_decision_links.reduction(platform, budget)
    decision = await test_decision_links.issue(platform, budget["id"], document="variation",
                                               document_id=variation["id"])
    pages = {  # name: (path, title, form field, text to type, heading of the answer)
        "recovery-notice": (test_recovery_links.path_of(notice), "We are asking for some direct payment money back",
                            "#grounds", "The money is for the summer holiday hours", "We have your challenge"),
        "contract-summary": (test_summary_links.path_of(summary),
                             "integrated therapies: what it is and how it can be part of your child's budget",
                             None, None, None),
        "decision-notice": (test_decision_links.path_of(decision), "A decision about your child's personal budget",
                            "#reason", "The holidays need more hours", "We have your request"),
    }

    through_the_gateway = via_gateway(platform)

    results = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for name, (path, title, field, text, answered) in pages.items():
                # axe is injected by the test; the page's own CSP (no script) would otherwise refuse it.
                context = await browser.new_context(viewport=PHONE, bypass_csp=True)
                page = await context.new_page()
                await page.route("http://gateway/**", through_the_gateway)
                response = await page.goto(f"http://gateway{path}")
                assert response.status == 200, name
                assert await page.title() == title
                await page.screenshot(path=str(ARTIFACTS / f"{name}-phone.png"), full_page=True)
                results[name] = await axe(page)
                if field:  # the family acts from the page
                    await page.fill(field, text)
                    await page.click("button[type=submit]")
                    await page.wait_for_selector("h1")
                    assert await page.inner_text("h1") == answered, name
                    await page.screenshot(path=str(ARTIFACTS / f"{name}-answered-phone.png"), full_page=True)
                    results[f"{name}-answered"] = await axe(page)
                await context.close()
            context = await browser.new_context(viewport=PHONE, bypass_csp=True)
            page = await context.new_page()
            await page.route("http://gateway/**", through_the_gateway)
            response = await page.goto("http://gateway/v1/payments/family/not-a-token")
            assert response.status == 404
            await page.screenshot(path=str(ARTIFACTS / "notice-link-not-working.png"), full_page=True)
            results["notice-refused"] = await axe(page)
            await context.close()
        finally:
            await browser.close()
    _keep("axe-results-documents.json", json.dumps(results, indent=1))
    assert_no_violations(results)
    for name in pages:
        assert _size(f"{name}-phone.png") > 10_000
