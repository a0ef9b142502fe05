"""The family statement as a person reads it (issue 20, items 5 and 6): the journey's family (direct payments paid,
health funding changed by the ICB, money moved in from a block contract) opens the page from their link in a real
Chromium (Debian's, driven by Playwright) on a phone and a desktop; axe-core finds no WCAG 2.2 A/AA violation;
screenshots are kept in var/artifacts/family/. The PDF is a PDF with the child's figures in it (pdftotext). The
chart's bars are proportional to the amounts (pure)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from kit.money import pounds
from kit.testing import unavailable
from sendpb.journey import Api, Family, run
from services.budget.domain.chart import BAR_WIDTH, Bar, Segment, bar_chart_svg, layout
from tests.family.test_family_links import issue, path_of

HERE = Path(__file__).parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = HERE.parents[1] / "var" / "artifacts" / "family"
CHROMIUM = "/usr/bin/chromium"
TODAY = date(2026, 11, 2)
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


async def journey_link(platform, clock) -> tuple[dict, dict, dict]:
    """The journey's family, their budget as casework reads it, and a link to their statement."""
    clock.set_to(TODAY, tick=True)
    facts = await run(Api(platform.client), Family("Pages", "E06000060", date(2014, 5, 5)), today=TODAY, story=[])
    budget = (await platform.client.get(f"/v1/budgets/{facts['budget_id']}",
                                        headers=await platform.token("dev-casework"))).json()
    return facts, budget, await issue(platform, facts["budget_id"])


def _figures(budget: dict) -> dict[str, int]:
    streams = budget["streams"].values()
    year = sum(s["agreed_pence"] + s["released_pence"] for s in streams)
    return {"agreed": sum(s["agreed_pence"] for s in streams), "released": sum(s["released_pence"] for s in streams),
            "year": year, "spent": sum(s["spent_pence"] for s in streams),
            "committed": sum(s["committed_pence"] for s in streams),
            "left": sum(s["available_pence"] for s in streams)}


async def test_the_statement_page_explains_agreed_released_and_health_funding_so_the_numbers_add_up(
        platform, clock):
    facts, budget, link = await journey_link(platform, clock)
    f = _figures(budget)
    assert f["released"] > 0 and f["spent"] > 0  # the journey moved money in and paid a direct payment
    assert f["left"] == f["year"] - f["spent"] - f["committed"]
    page = (await platform.client.get(path_of(link))).text
    assert (f"Money for the year: {pounds(f['agreed'])} agreed and {pounds(f['released'])} moved in from council "
            f"contracts, {pounds(f['year'])} in all.") in page
    assert f"{pounds(f['left'])} is left: {pounds(f['year'])} for the year, less {pounds(f['spent'])} paid" in page
    assert f"The NHS sets this part: from {TODAY.day} November 2026 it is {pounds(facts['health_agreed_pence'])}" \
        in page
    # The chart is for the eye; the table carries the same numbers for everyone.
    assert '<svg xmlns="http://www.w3.org/2000/svg" aria-hidden="true"' in page
    assert re.search(r'<th scope="row">All together</th><td class="n">' + re.escape(pounds(f["year"])), page)


async def test_BUD_15_the_statement_leads_the_family_to_their_councils_local_offer(platform, clock):
    _, budget, link = await journey_link(platform, clock)
    page = (await platform.client.get(path_of(link))).text
    [href] = re.findall(r'<a href="([^"]+)">local offer of personal budgets</a>', page)
    assert href == f"/v1/budgets/local-offer/{budget['local_authority']}.html"
    offer = await platform.client.get(href)  # published information: no token, as the family has none
    assert offer.status_code == 200 and offer.headers["content-type"].startswith("text/html")


def _browser():
    """Playwright's async API, once Chromium and axe-core are there (a skip saying what is missing, or a failure
    under SENDPB_REQUIRE_SERVICES=1)."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)")
    if not AXE.exists():
        unavailable(f"{AXE} is missing (cd tests/family && npm ci; .ci/run does it)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return async_playwright


async def axe(page) -> dict:
    """axe-core's WCAG 2.2 A/AA results for the page (injected: the page's own CSP runs no script)."""
    await page.add_script_tag(path=str(AXE))
    return await page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA)


def assert_no_violations(results: dict[str, dict]) -> None:
    for name, result in results.items():
        violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]
        assert violations == [], f"{name}: {violations}"
        assert result["passes"], f"{name}: axe ran no check"


def via_gateway(platform, *, headers: dict | None = None, served: list[str] | None = None):
    """A Playwright route handler sending the browser's requests to the in-process gateway as sent (with
    ``headers`` added, e.g. an officer's token), noting each URL in ``served``."""
    async def through_the_gateway(route):
        req = route.request
        if served is not None:
            served.append(req.url)
        r = await platform.client.request(req.method, req.url, headers={**dict(req.headers), **(headers or {})},
                                          content=req.post_data_buffer)
        await route.fulfill(status=r.status_code, headers=dict(r.headers), body=r.content)
    return through_the_gateway


def _pdf_words(pdf: bytes) -> str:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        unavailable("pdftotext is missing (apt-get install poppler-utils; .ci/run installs it)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "statement.pdf").write_bytes(pdf)
    text = subprocess.run([pdftotext, "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(text.decode().split())


async def test_the_statement_in_a_real_chromium_has_no_wcag_22_aa_violation_and_is_screenshotted(platform, clock):
    async_playwright = _browser()
    _, budget, link = await journey_link(platform, clock)
    url = f"http://gateway{path_of(link)}"

    through_the_gateway = via_gateway(platform)

    results = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for name, viewport in (("phone", {"width": 390, "height": 844}),
                                   ("desktop", {"width": 1280, "height": 900})):
                # axe is injected by the test; the page's own CSP (no script) would otherwise refuse it.
                context = await browser.new_context(viewport=viewport, bypass_csp=True)
                page = await context.new_page()
                await page.route("http://gateway/**", through_the_gateway)
                response = await page.goto(url)
                assert response.status == 200
                assert await page.title() == "Your child's personal budget statement"
                await page.screenshot(path=str(ARTIFACTS / f"statement-{name}.png"), full_page=True)
                results[name] = await axe(page)
                if name == "phone":  # the family asks for a review from the page
                    await page.fill("#reason", "The PA hours are not enough in the holidays")
                    await page.click("button[type=submit]")
                    await page.wait_for_selector("h1")
                    assert await page.inner_text("h1") == "We have your request for a review"
                    await page.screenshot(path=str(ARTIFACTS / "review-requested-phone.png"), full_page=True)
                    results["review-requested"] = await axe(page)
                await context.close()
            # A refused link's page too.
            context = await browser.new_context(bypass_csp=True)
            page = await context.new_page()
            await page.route("http://gateway/**", through_the_gateway)
            response = await page.goto("http://gateway/v1/budgets/family/not-a-token")
            assert response.status == 404
            await page.screenshot(path=str(ARTIFACTS / "link-not-working.png"), full_page=True)
            results["refused"] = await axe(page)
            await context.close()
        finally:
            await browser.close()
    _keep("axe-results.json", json.dumps(results, indent=1))
    assert_no_violations(results)
    assert _size("statement-phone.png") > 10_000


def _keep(name: str, text: str) -> None:
    (ARTIFACTS / name).write_text(text)


def _size(name: str) -> int:
    return (ARTIFACTS / name).stat().st_size


async def test_the_statement_as_pdf_starts_with_pdf_and_holds_the_childs_figures(platform, clock):
    _, budget, link = await journey_link(platform, clock)
    f = _figures(budget)
    for path, params in ((path_of(link), {"format": "pdf"}), (path_of(link) + ".pdf", {})):
        r = await platform.client.get(path, params=params)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    words = _pdf_words(r.content)
    for figure in ("year", "spent", "left", "released"):
        assert pounds(f[figure]) in words, (figure, words[:2000])
    assert budget["plan_reference"] in "".join(words.split())  # a long reference may wrap
    assert "What you can do next" in words and "Ask for a review" not in words.split("What you can do next")[0]
    assert "contact your caseworker" in words  # the printed letter says how to ask, instead of a form


def test_the_chart_bars_are_proportional_to_the_amounts():
    bars = [Bar("Education", (Segment("Paid", 100_000, "#1d70b8"), Segment("Left", 290_000, "#00703c"))),
            Bar("Health", (Segment("Paid", 0, "#1d70b8"), Segment("Left", 195_000, "#00703c"))),
            Bar("Social care", (Segment("Paid", 46_800, "#1d70b8"), Segment("Left", 0, "#00703c")))]
    rects = layout(bars)
    by = {(r.bar, r.segment): r for r in rects}
    assert by[0, "Paid"].width + by[0, "Left"].width == pytest.approx(BAR_WIDTH)  # the longest bar fills the width
    for (i, name), rect in by.items():
        amount = next(s.amount for s in bars[i].segments if s.name == name)
        assert rect.width == pytest.approx(BAR_WIDTH * amount / 390_000)
    assert by[0, "Left"].x == pytest.approx(by[0, "Paid"].width)  # segments follow one another
    assert by[1, "Left"].width == pytest.approx(by[0, "Left"].width * 195_000 / 290_000)
    svg = bar_chart_svg(bars, title="Where the money went")
    assert svg.count("<rect data-bar=") == 4  # zero amounts draw nothing
    assert 'aria-hidden="true"' in svg and "<title>Where the money went</title>" in svg


def test_a_chart_of_nothing_draws_no_bar():
    assert all(r.width == 0 for r in layout([Bar("Education", (Segment("Paid", 0, "#000"),))]))
    assert layout([]) == []
