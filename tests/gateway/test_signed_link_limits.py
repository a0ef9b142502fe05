"""The pages a family opens from a signed link are rate limited without an account (issue 20): per source address
(forms stricter than pages), per link, and harder for an address whose links do not open (guessing). The buckets
run on the test's clock, never the wall clock; the services behind are a stand-in that answers 404 for a link it
did not issue, as the real ones do (kit.family_pages)."""
import re

import pytest

import gateway.app
from gateway.app import create_gateway
from gateway.openapi import SIGNED_LINK_LIMITED, signed_link
from gateway.public_pages import SignedLinkLimits, link_key
from gateway.settings import GatewaySettings, SignedLinkLimitSettings
from kit.settings import PlatformSettings
from kit.testing import auth
from tests.gateway.raw import call

FAMILY = ("10.0.0.1", 40000)
NEIGHBOUR = ("10.0.0.2", 40000)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Services:
    """Every service behind the gateway: 404 for a token starting ``bad`` (not a link it issued), else 200."""

    timeout = 30.0

    def __init__(self) -> None:
        self.forwarded: list[str] = []

    async def forward(self, scope, receive, send) -> None:
        self.forwarded.append(scope["path"])
        token = scope["path"].rsplit("/family/", 1)[-1]
        status = 404 if token.startswith("bad") else 200
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"{}"})

    async def close(self) -> None:
        pass


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def front(tmp_path, clock):
    """``front(**limits)``: the gateway with those signed-link limits on the test's clock, and its services."""
    def build(trusted_proxies=(), **limits):
        settings = GatewaySettings(signed_links=SignedLinkLimitSettings(**limits),
                                   trusted_proxies=list(trusted_proxies))
        services = Services()
        gw = create_gateway(PlatformSettings(data_dir=tmp_path, log_json=False), settings,
                            dict.fromkeys(("eligibility", "budgets", "payments", "contracts"), services))
        gw.signed_links = SignedLinkLimits.from_settings(settings, redis=None, clock=clock)
        return gw, services
    return build


async def test_a_family_page_opened_too_often_from_one_address_is_429_with_retry_after(front, clock):
    gw, services = front(pages_per_address_per_minute=3)
    codes = [(await call(gw, "GET", f"/v1/budgets/family/tok{i}", client=FAMILY)).status for i in range(3)]
    refused = await call(gw, "GET", "/v1/budgets/family/tok9", client=FAMILY)
    assert codes == [200, 200, 200] and refused.status == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "20"  # 3 a minute: one every 20 s
    assert refused.json()["type"].endswith("/rate-limited") and "connection" in refused.json()["detail"]
    assert refused.json()["detail"].endswith("You can try again in a minute.")
    assert "/v1/budgets/family/tok9" not in services.forwarded, "a refused request never reaches the service"
    assert (await call(gw, "GET", "/v1/budgets/family/tok9", client=NEIGHBOUR)).status == 200, "per address"
    clock.now += 20
    assert (await call(gw, "GET", "/v1/budgets/family/tok9", client=FAMILY)).status == 200, "refilled"


async def test_form_posts_have_their_own_stricter_limit(front):
    gw, _ = front(pages_per_address_per_minute=60, forms_per_address_per_minute=2)
    posts = [(await call(gw, "POST", f"/v1/payments/family/tok{i}/challenge", client=FAMILY)).status
             for i in range(3)]
    assert posts == [200, 200, 429]
    assert (await call(gw, "GET", "/v1/payments/family/tok0", client=FAMILY)).status == 200, \
        "reading the page is still allowed"


async def test_one_link_is_limited_from_every_address_together_its_pdf_included(front):
    gw, _ = front(openings_per_link_per_minute=2)
    first = await call(gw, "GET", "/v1/contracts/family/tok", client=FAMILY)
    pdf = await call(gw, "GET", "/v1/contracts/family/tok.pdf", client=NEIGHBOUR)
    third = await call(gw, "GET", "/v1/contracts/family/tok", client=("10.0.0.3", 1))
    assert (first.status, pdf.status, third.status) == (200, 200, 429)
    assert "link was opened many times" in third.json()["detail"]
    assert (await call(gw, "GET", "/v1/contracts/family/other", client=("10.0.0.3", 1))).status == 200


async def test_an_address_opening_links_that_do_not_work_is_shut_out_for_a_while(front, clock):
    gw, services = front(failed_openings_per_address=3, failed_openings_window_seconds=900)
    opened = [(await call(gw, "GET", f"/v1/budgets/family/good{i}", client=FAMILY)).status for i in range(5)]
    guesses = [(await call(gw, "GET", f"/v1/budgets/family/bad{i}", client=FAMILY)).status for i in range(3)]
    assert opened == [200] * 5, "links that open do not count"
    assert guesses == [404, 404, 404]
    shut = await call(gw, "GET", "/v1/budgets/family/good0", client=FAMILY)
    assert shut.status == 429 and shut.json()["title"] == "Too many links that do not work"
    assert shut.headers["retry-after"] == "300"  # 3 per 900 s: one back every 300 s
    assert len(services.forwarded) == 8
    assert (await call(gw, "GET", "/v1/budgets/family/bad9", client=NEIGHBOUR)).status == 404, "per address"
    clock.now += 300
    assert (await call(gw, "GET", "/v1/budgets/family/good0", client=FAMILY)).status == 200


async def test_a_browser_is_told_in_a_page_it_can_read(front):
    gw, _ = front(pages_per_address_per_minute=1)
    html = [("Accept", "text/html,application/xhtml+xml")]
    await call(gw, "GET", "/v1/budgets/family/tok", client=FAMILY, headers=html)
    refused = await call(gw, "GET", "/v1/budgets/family/tok", client=FAMILY, headers=html)
    assert refused.status == 429 and refused.headers["content-type"].startswith("text/html")
    assert refused.headers["retry-after"] == "60"
    assert refused.headers["cache-control"] == "no-store" and refused.headers["referrer-policy"] == "no-referrer"
    page = refused.body.decode()
    assert '<html lang="en-GB">' in page and "<h1>Too many requests</h1>" in page
    assert "Wait a minute, then try again." in page


async def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(front):
    untrusted, _ = front(pages_per_address_per_minute=1)
    behind = [(await call(untrusted, "GET", "/v1/budgets/family/tok", client=FAMILY,
                          headers=[("X-Forwarded-For", f"192.0.2.{i}")])).status for i in (1, 2)]
    assert behind == [200, 429], "a caller cannot choose its own address"
    trusted, _ = front(pages_per_address_per_minute=1, trusted_proxies=["10.0.0.0/24"])
    through = [(await call(trusted, "GET", f"/v1/budgets/family/tok{i}", client=FAMILY,
                           headers=[("X-Forwarded-For", f"192.0.2.{i}")])).status for i in (1, 2)]
    again = await call(trusted, "GET", "/v1/budgets/family/tok3", client=FAMILY,
                       headers=[("X-Forwarded-For", "192.0.2.1")])
    assert through == [200, 200] and again.status == 429, "behind the proxy, each family has its own bucket"


async def test_authenticated_api_calls_never_take_from_the_family_pages_buckets(front):
    gw, _ = front(pages_per_address_per_minute=1, forms_per_address_per_minute=1)
    token = list(auth("read").items())
    api = [(await call(gw, "GET", "/v1/budgets/budgets", client=FAMILY, headers=token)).status for _ in range(5)]
    assert 429 not in api
    assert (await call(gw, "GET", "/v1/budgets/family/tok", client=FAMILY)).status == 200


@pytest.mark.parametrize("path", [
    "/v1/budgets/family/tok", "/v1/budgets/family/tok.pdf", "/v1/budgets/family/tok/review-requests",
    "/v1/budgets/family/tok/disputes", "/v1/payments/family/tok", "/v1/payments/family/tok/challenge",
    "/v1/contracts/family/tok",
])
async def test_every_signed_link_path_is_limited(front, path):
    gw, _ = front(pages_per_address_per_minute=1, forms_per_address_per_minute=1)
    method = "POST" if path.endswith(("requests", "disputes", "challenge")) else "GET"
    assert [(await call(gw, method, path, client=FAMILY)).status for _ in range(2)] == [200, 429]


async def test_a_signed_link_added_later_is_limited_without_changes(front, monkeypatch):
    monkeypatch.setattr(gateway.app, "SIGNED_LINKS",
                        (*gateway.app.SIGNED_LINKS, re.compile(r"eligibility/family/[A-Za-z0-9_.-]+")))
    gw, _ = front(pages_per_address_per_minute=1)
    codes = [(await call(gw, "GET", "/v1/eligibility/family/tok", client=FAMILY)).status for _ in range(2)]
    assert codes == [200, 429]


def test_a_link_bucket_is_named_by_the_token_hash_never_the_token():
    key = link_key("/v1/budgets/family/eyJhbGciOi.payload.sig/disputes")
    assert key == link_key("/v1/payments/family/eyJhbGciOi.payload.sig.pdf")
    assert "eyJ" not in key and len(key) == 32


@pytest.mark.integration
async def test_guesses_are_counted_across_replicas_on_redis(tmp_path, redis_url):
    url, prefix = redis_url
    settings = GatewaySettings(redis_url=url, redis_prefix=prefix,
                               signed_links=SignedLinkLimitSettings(failed_openings_per_address=3))
    services = Services()
    replicas = [create_gateway(PlatformSettings(data_dir=tmp_path, log_json=False), settings,
                               {"budgets": services}) for _ in range(2)]
    try:
        codes = [(await call(replicas[i % 2], "GET", f"/v1/budgets/family/bad{i}", client=FAMILY)).status
                 for i in range(3)]
        here = await call(replicas[0], "GET", "/v1/budgets/family/good", client=FAMILY)
        shut = await call(replicas[1], "GET", "/v1/budgets/family/good", client=FAMILY)
    finally:
        for gw in replicas:
            await gw.signed_links.guesses.redis.aclose()
    assert codes == [404, 404, 404]
    assert here.status == 429 and shut.status == 429, "three guesses over two replicas use up the three allowed"
    assert int(shut.headers["retry-after"]) >= 1


async def test_the_merged_openapi_documents_the_429_on_every_signed_link_operation(platform):
    doc = (await platform.client.get("/openapi.json")).json()
    signed = {(path, method): op for path, item in doc["paths"].items() for method, op in item.items()
              if method in ("get", "post") and signed_link(path)}
    assert {path for path, _ in signed} >= {"/v1/budgets/family/{token}", "/v1/payments/family/{token}/challenge",
                                            "/v1/contracts/family/{token}"}
    for (path, method), op in signed.items():
        limited = op["responses"].get("429")
        assert limited and "Retry-After" in limited["headers"], (method, path)
        assert limited["description"] == SIGNED_LINK_LIMITED, (method, path)
    local_offer = doc["paths"]["/v1/budgets/local-offer/{local_authority}"]["get"]
    assert "429" not in local_offer["responses"], "a published page is not limited"


async def test_an_ipv6_host_cannot_escape_its_bucket_by_changing_address_within_its_64(front):
    gw, _ = front(pages_per_address_per_minute=1)
    first = await call(gw, "GET", "/v1/budgets/family/tok1", client=("2001:db8:1:2::1", 1))
    same_64 = await call(gw, "GET", "/v1/budgets/family/tok2", client=("2001:db8:1:2:ffff::9", 1))
    next_64 = await call(gw, "GET", "/v1/budgets/family/tok3", client=("2001:db8:1:3::1", 1))
    assert (first.status, same_64.status, next_64.status) == (200, 429, 200)
