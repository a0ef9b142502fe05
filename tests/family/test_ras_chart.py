"""The RAS calibration what-if as a page (issue 20 item 6, RAS-07) in a real Chromium (Debian's, driven by
Playwright) through the gateway, as an LA officer's tool opens it with their token, on a phone and a desktop:
axe-core finds no WCAG 2.2 A/AA violation, the form on the page tries other figures, and screenshots are kept in
var/artifacts/family/. The figures are proved equal to the JSON calibration's in tests/ras/test_calibration_page.py;
here the page's headline is checked against the JSON through the gateway."""
from __future__ import annotations

import json
import random
import uuid
from html import unescape

from kit.money import pounds
from services.ras.service.examples import ecm_model
from tests.family.test_family_pages import ARTIFACTS, CHROMIUM, _browser, assert_no_violations, axe, via_gateway

LA = "E06000060"
LEVELS = ("none", "some", "lots", "exceptional")
MONEY = {"education_pence": 5_000_000, "health_pence": 2_000_000, "social_care_pence": 3_000_000}


async def _model_with_a_cohort(platform, headers: dict[str, str]) -> dict:
    model = (await platform.client.post("/v1/ras/models", json=ecm_model(LA), headers=headers)).json()
    published = await platform.client.post(f"/v1/ras/models/{model['id']}/publish", headers=headers)
    assert published.status_code == 200, published.text
    rng = random.Random(20)
    for i in range(25):
        answers = {q["id"]: "exceptional" if i % 8 == 7 else rng.choice(LEVELS) for q in ecm_model(LA)["questions"]}
        r = await platform.client.post("/v1/ras/assessments", headers=headers, json={
            "child_id": f"C-{uuid.uuid4().hex[:8]}", "local_authority": LA, "model_id": model["id"],
            "answers": answers})
        assert r.status_code == 201, r.text
    return model


async def test_the_calibration_page_in_a_real_chromium_has_no_wcag_22_aa_violation_and_is_screenshotted(platform):
    async_playwright = _browser()
    headers = await platform.token("dev-admin")
    model = await _model_with_a_cohort(platform, headers)
    calibration = (await platform.client.post(f"/v1/ras/models/{model['id']}/calibrations", headers=headers, json={
        "available_pence": {k.removesuffix("_pence"): v for k, v in MONEY.items()},
        "contingency_percent": 7.5})).json()
    query = "&".join(f"{k}={v}" for k, v in MONEY.items())
    url = f"http://gateway/v1/ras/models/{model['id']}/calibration.html?{query}&contingency_percent=7.5"
    served: list[str] = []

    through_the_gateway = via_gateway(platform, headers=headers, served=served)  # the officer's token

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
                assert await page.title() == f"Calibration what-if: {model['name']}, version 1"
                summary = unescape(await page.inner_text("p.sum"))
                assert pounds(calibration["projected_after_pence"]) in summary
                assert pounds(calibration["projected_before_pence"]) in summary
                assert await page.locator("svg.chart").count() == 2 * len(calibration["streams"])
                await page.screenshot(path=str(ARTIFACTS / f"ras-calibration-{name}.png"), full_page=True)
                results[name] = await axe(page)
                if name == "desktop":  # the officer tries other figures from the form on the page
                    await page.fill("#education_pence", "4000000")
                    await page.fill("#health_pence", "")  # left empty: health left out
                    await page.fill("#contingency_percent", "10")
                    await page.click("button[type=submit]")
                    await page.wait_for_selector("caption")
                    assert "education_pence=4000000" in served[-1] and "contingency_percent=10" in served[-1]
                    figures = await page.inner_text("table:first-of-type")
                    assert pounds(4_000_000) in figures and pounds(400_000) in figures  # 10 % held back
                    headings = await page.locator("h2").all_inner_texts()
                    assert "Health" not in headings and "Social care" in headings
                    await page.screenshot(path=str(ARTIFACTS / "ras-calibration-tried.png"), full_page=True)
                await context.close()
        finally:
            await browser.close()
    (ARTIFACTS / "ras-calibration-axe-results.json").write_text(json.dumps(results, indent=1))
    assert_no_violations(results)
    assert (ARTIFACTS / "ras-calibration-phone.png").stat().st_size > 10_000
