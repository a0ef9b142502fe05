"""The local offer of personal budgets per LA (BUD-15): its menu per stream (the BUD-03 taxonomy), its personal budget
policy and where families get independent advice; public (no token) through the gateway, in JSON and plain-English
HTML."""
from html.parser import HTMLParser

import pytest

from kit.testing import LA, OTHER_LA, running_service
from services.budget.app import create_app
from services.budget.domain import categories
from services.budget.domain.ledger import STREAMS
from services.budget.domain.local_offer import Advice, Policy, local_offer
from services.budget.routers.local_offer import wants_html
from services.budget.settings import BudgetSettings, LocalOfferSettings

ROTHERHAM = LocalOfferSettings(
    name="Rotherham Metropolitan Borough Council", policy_url="https://www.rotherham.gov.uk/",
    policy_summary="Personal budgets <for> families & young people", sendias_name="Rotherham SENDIASS",
    sendias_url="https://councilfordisabledchildren.org.uk/", sendias_phone="01709 000000")


def test_BUD_15_the_local_offer_menu_is_the_published_categories_per_stream_and_names_every_placement():
    offer = local_offer(LA, "Buckinghamshire Council", Policy("https://example.org/p", "summary"),
                        Advice("Bucks SENDIAS", "https://example.org/s"))
    assert [s.stream for s in offer.streams] == list(STREAMS)
    for menu in offer.streams:
        assert [i.id for i in menu.can_buy] == [c.id for c in categories.MENU if menu.stream in c.streams]
    assert [r.id for r in offer.cannot_buy] == [c.id for c in categories.REFUSED]
    assert all(r.rule == "BUD-03" and "never pay" in r.reason for r in offer.cannot_buy)
    assert "independent" in offer.advice.about and offer.rules == ("BUD-15", "BUD-03")


@pytest.mark.parametrize("accept, html", [
    ("", False), ("*/*", False), ("application/json", False), ("text/html", True),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
    ("application/json, text/html", False), ("text/html;q=0.5, application/json", False),
    ("text/html;q=0", False), ("text/html;q=x", False)])
def test_BUD_15_html_only_when_the_caller_prefers_it(accept, html):
    assert wants_html(accept) == html


def test_BUD_15_settings_refuse_an_la_that_is_not_an_ons_code():
    with pytest.raises(ValueError, match="BUD-15"):
        BudgetSettings(local_offers={"Rotherham": ROTHERHAM})
    with pytest.raises(ValueError):
        LocalOfferSettings(**{**ROTHERHAM.model_dump(), "policy_url": "javascript:alert(1)"})


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.lang, self.text = [], None, []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "html":
            self.lang = dict(attrs).get("lang")

    def handle_data(self, data):
        self.text.append(data)


async def test_BUD_15_public_through_the_gateway_in_json_and_html_with_no_token(platform):
    c = platform.client
    r = await c.get(f"/v1/budgets/local-offer/{LA}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json") and "Vary" in r.headers
    body = r.json()
    assert body["local_authority"] == LA and body["name"] == "Buckinghamshire Council"
    assert [s["stream"] for s in body["streams"]] == list(STREAMS)
    education = next(s for s in body["streams"] if s["stream"] == "education")
    assert "tuition" in [i["id"] for i in education["can_buy"]]
    assert {"school_place", "college_place", "early_years_place"} <= {x["id"] for x in body["cannot_buy"]}
    assert body["policy"]["url"].startswith("https://") and body["policy"]["summary"]
    assert body["advice"]["name"] == "Bucks SENDIAS" and body["advice"]["url"].startswith("https://")
    # The same menu the authenticated taxonomy serves (GET /v1/budgets/provision-categories).
    casework = await platform.token("dev-casework")
    menu = (await c.get("/v1/budgets/provision-categories", headers=casework)).json()
    assert {s["stream"]: [i["id"] for i in s["can_buy"]] for s in body["streams"]} == menu["by_stream"]

    for page in (await c.get(f"/v1/budgets/local-offer/{LA}", headers={"Accept": "text/html"}),
                 await c.get(f"/v1/budgets/local-offer/{LA}.html")):
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), page.text
        parsed = _Page()
        parsed.feed(page.text)
        assert parsed.lang == "en-GB" and parsed.tags.count("h1") == 1
        assert {"h2", "h3", "ul", "ol", "table", "caption", "th", "a"} <= set(parsed.tags)
        text = " ".join(parsed.text)
        assert "can never pay for" in text and "Bucks SENDIAS" in text and "Ombudsman" in text
        assert 'scope="col"' in page.text and 'scope="row"' in page.text

    # A token changes nothing (published information), and no child's data is in it.
    assert (await c.get(f"/v1/budgets/local-offer/{LA}", headers=casework)).json() == body


async def test_BUD_15_an_la_with_no_local_offer_is_404_and_a_bad_code_422_without_a_token(platform):
    c = platform.client
    unknown = await c.get(f"/v1/budgets/local-offer/{OTHER_LA}")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["rule"] == "BUD-15"
    assert (await c.get(f"/v1/budgets/local-offer/{OTHER_LA}.html")).status_code == 404
    bad = await c.get("/v1/budgets/local-offer/nowhere")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "local_authority", bad.text
    # Only the local offer is public: the rest of the budget API still wants a token.
    assert (await c.get("/v1/budgets/provision-categories")).status_code == 401
    assert (await c.get(f"/v1/budgets/local-offer/{LA}/anything")).status_code == 401
    assert (await c.get("/v1/budgets/local-offer")).status_code == 401
    assert (await c.get(f"/v1/eligibility/local-offer/{LA}")).status_code == 401


async def test_BUD_15_each_la_configures_its_own_local_offer_and_text_is_escaped(memory_backend):
    settings = BudgetSettings(local_offers={OTHER_LA: ROTHERHAM})
    async with running_service(create_app, memory_backend, service="budget", settings=settings) as svc:
        r = await svc.client.get(f"/v1/budgets/local-offer/{OTHER_LA}")
        assert r.status_code == 200 and r.json()["advice"]["phone"] == "01709 000000"
        assert (await svc.client.get(f"/v1/budgets/local-offer/{LA}")).status_code == 404  # not configured here
        page = (await svc.client.get(f"/v1/budgets/local-offer/{OTHER_LA}.html")).text
        assert "&lt;for&gt; families &amp; young people" in page and "<for>" not in page
        assert 'href="tel:01709000000"' in page
