"""The page a family sees when the gateway's signed-link limits refuse them (issue 20; gateway/public_pages.py): a
person on a phone reads why and what to do, in a page with no WCAG 2.2 AA violation, like every other family page."""
from gateway.public_pages import SignedLinkLimits
from gateway.settings import GatewaySettings, SignedLinkLimitSettings
from tests.family.test_family_pages import ARTIFACTS, CHROMIUM, _browser, assert_no_violations, axe, via_gateway


async def test_the_too_many_links_page_in_a_real_chromium_has_no_wcag_22_aa_violation(platform):
    async_playwright = _browser()
    # One link that does not open is this address's whole allowance of guesses: the next request is refused.
    strict = GatewaySettings(signed_links=SignedLinkLimitSettings(failed_openings_per_address=1))
    platform.embedded.gateway.signed_links = SignedLinkLimits.from_settings(strict, redis=None)
    results = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = await browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
            page = await context.new_page()
            await page.route("http://gateway/**", via_gateway(platform))
            assert (await page.goto("http://gateway/v1/budgets/family/not-a-token")).status == 404
            refused = await page.goto("http://gateway/v1/budgets/family/another-guess")
            assert refused.status == 429 and int(refused.headers["retry-after"]) > 0
            assert await page.inner_text("h1") == "Too many links that do not work"
            said = await page.inner_text("main")
            assert "ask them for a new one" in said and "You can try again in about 15 minutes." in said
            await page.screenshot(path=str(ARTIFACTS / "too-many-links-phone.png"), full_page=True)
            results["too-many-links"] = await axe(page)
            await context.close()
        finally:
            await browser.close()
    assert_no_violations(results)
