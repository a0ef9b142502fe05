"""The front door, in the embedded platform: tokens, routing, request ids, errors, rate limits, OpenAPI."""
import asyncio

import httpx
import pytest

from gateway.app import create_gateway
from gateway.clients import hash_secret, verify_secret
from gateway.ratelimit import RateLimiter
from gateway.settings import ClientConfig, GatewaySettings
from gateway.upstream import HttpUpstream
from kit.auth import new_private_key_pem, public_key_pem
from kit.settings import PlatformSettings

SERVICES = ("eligibility", "ras", "budgets", "payments", "contracts")


async def test_a_dev_client_gets_a_token_with_its_scopes_and_las(platform):
    r = await platform.client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                         "client_id": "dev-casework", "client_secret": "dev-secret"})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "casework read"
    caller = platform.embedded.gateway.verifier.verify(body["access_token"])
    assert caller.client_id == "dev-casework" and caller.las == ("E06000060",)
    assert r.headers["cache-control"] == "no-store"


async def test_a_client_may_ask_for_fewer_scopes_but_not_more(platform):
    fewer = await platform.client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": "dev-finance", "client_secret": "dev-secret",
        "scope": "read"})
    assert fewer.json()["scope"] == "read"
    more = await platform.client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": "dev-finance", "client_secret": "dev-secret",
        "scope": "finance panel"})
    assert more.status_code == 400 and more.json()["error"] == "invalid_scope"
    assert "panel" in more.json()["detail"]


@pytest.mark.parametrize("form, status, error", [
    ({"grant_type": "client_credentials", "client_id": "dev-admin", "client_secret": "wrong"}, 401,
     "invalid_client"),
    ({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "dev-secret"}, 401,
     "invalid_client"),
    ({"grant_type": "password", "client_id": "dev-admin", "client_secret": "dev-secret"}, 400,
     "unsupported_grant_type"),
])
async def test_a_bad_token_request_is_refused_in_oauth_terms(platform, form, status, error):
    r = await platform.client.post("/oauth/token", data=form)
    assert r.status_code == status
    assert r.json()["error"] == error
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_a_token_request_missing_a_field_names_it(platform):
    r = await platform.client.post("/oauth/token", data={"client_id": "dev-admin"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    assert {e["field"] for e in r.json()["errors"]} == {"grant_type", "client_secret"}


async def test_every_service_is_healthy_through_the_gateway(platform):
    for prefix in SERVICES:
        r = await platform.client.get(f"/v1/{prefix}/healthz")
        assert r.status_code == 200 and r.json() == {"status": "ok"}
    ready = await platform.client.get("/readyz")
    assert ready.status_code == 200
    assert set(ready.json()["services"]) == set(SERVICES)


async def test_the_gateway_checks_the_token_before_routing(platform):
    missing = await platform.client.get("/v1/budgets/anything")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    bad = await platform.client.get("/v1/budgets/anything", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad.headers["content-type"] == "application/problem+json"


async def test_an_unknown_prefix_is_a_404_listing_the_services(platform):
    r = await platform.client.get("/v1/pensions/x", headers=await platform.token())
    assert r.status_code == 404 and "budgets" in r.json()["detail"]


async def test_the_request_id_is_propagated_to_the_service_and_back(platform):
    headers = {**await platform.token(), "X-Request-ID": "trace-me-42"}
    r = await platform.client.get("/v1/ras/healthz", headers=headers)
    assert r.headers["x-request-id"] == "trace-me-42"
    generated = await platform.client.get("/v1/ras/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    assert generated.headers.get_list("x-request-id") == [generated.headers["x-request-id"]]


async def test_the_merged_openapi_lists_every_service_and_the_token_endpoint(platform):
    doc = (await platform.client.get("/openapi.json")).json()
    assert "/oauth/token" in doc["paths"]
    assert {t["name"] for t in doc["tags"]} >= {"identity", "health"}
    assert "OAuth2" in doc["components"]["securitySchemes"]
    assert (await platform.client.get("/docs")).status_code == 200


async def test_metrics_are_served(platform):
    await platform.client.get("/v1/ras/healthz")
    text = (await platform.client.get("/metrics")).text
    assert 'sendpb_http_requests_total{method="GET",service="gateway",status="200"}' in text


def test_the_rate_limit_refuses_past_the_burst_and_refills():
    limiter = RateLimiter(rate_per_second=10, burst=3)
    assert [limiter.allow("c", now=0.0)[0] for _ in range(4)] == [True, True, True, False]
    allowed, wait = limiter.allow("c", now=0.0)
    assert not allowed and wait == pytest.approx(0.1)
    assert limiter.allow("c", now=0.1)[0]
    assert limiter.allow("other", now=0.0)[0], "buckets are per client"


async def test_a_client_over_its_rate_is_429_with_retry_after(tmp_path):
    from sendpb.runner import build_embedded

    embedded = build_embedded(PlatformSettings(data_dir=tmp_path, log_json=False),
                              GatewaySettings(rate_limit_per_second=1, rate_limit_burst=2))
    async with embedded.gateway.control.router.lifespan_context(embedded.gateway.control):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=embedded.gateway),
                                     base_url="http://gw") as client:
            tok = (await client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                           "client_id": "dev-admin",
                                                           "client_secret": "dev-secret"})).json()["access_token"]
            codes = [(await client.get("/v1/ras/openapi", headers={"Authorization": f"Bearer {tok}"})).status_code
                     for _ in range(3)]
            assert codes[:2] != [429, 429] and codes[2] == 429
            limited = await client.get("/v1/ras/x", headers={"Authorization": f"Bearer {tok}"})
            assert limited.headers["retry-after"] == "1"


async def test_an_unreachable_service_is_a_503_problem_not_a_stack_trace(platform):
    platform_settings = PlatformSettings(data_dir="/tmp/unused", log_json=False)
    gw_settings = GatewaySettings()
    upstream = HttpUpstream("budgets", "http://127.0.0.1:9", timeout=2, connections=4)
    gateway = create_gateway(platform_settings, gw_settings, {"budgets": upstream})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gw") as client:
        r = await client.get("/v1/budgets/x", headers=await platform.token())
        assert r.status_code == 503
        assert r.json()["detail"] == "the budgets service is unreachable"
        ready = await client.get("/readyz")
        # One service down does not take the gateway (and every other service) out: it is reported.
        assert ready.status_code == 200 and ready.json()["services"]["budgets"]["status"] == "unreachable"
        assert ready.json()["degraded"] == ["budgets"]
        assert ready.json()["checks"] == {"tokens": "ok", "routing": "ok"}
    await upstream.close()


async def test_a_slow_service_is_a_504(platform):
    async def slow_app(scope, receive, send):
        await asyncio.sleep(5)

    from gateway.upstream import InProcessUpstream

    gateway = create_gateway(PlatformSettings(data_dir="/tmp/unused", log_json=False),
                             GatewaySettings(upstream_timeout_seconds=0.2),
                             {"ras": InProcessUpstream("ras", slow_app)})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gw") as client:
        r = await client.get("/v1/ras/x", headers=await platform.token())
    assert r.status_code == 504 and "0.2s" in r.json()["detail"]


def test_secrets_are_stored_hashed_and_verified_in_constant_time():
    stored = hash_secret("s3cret")
    assert stored.startswith("scrypt$") and "s3cret" not in stored
    assert verify_secret("s3cret", stored) and not verify_secret("s3cret!", stored)


def test_outside_dev_mode_there_are_no_dev_clients_and_configured_ones_work():
    from gateway.app import registry_from

    prod = PlatformSettings(mode="prod", jwt_public_keys={"k1": public_key_pem(new_private_key_pem())},
                            amqp_url="amqp://x",
                            database_url_template="postgresql+asyncpg://x/{service}")
    with pytest.raises(ValueError, match="CLIENTS"):
        registry_from(prod, GatewaySettings())
    registry = registry_from(prod, GatewaySettings(clients=[ClientConfig(
        client_id="bucks-cms", secret_hash=hash_secret("long-random"), scopes=["casework"], las=["E06000060"])]))
    assert registry.authenticate("dev-admin", "dev-secret") is None
    assert registry.authenticate("bucks-cms", "long-random").las == ("E06000060",)
