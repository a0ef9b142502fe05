"""The gateway forwards only plain paths under a service's /v1/<prefix>/ (issue 16: /v1/budgets/../../metrics, sent
as is, reached the budget service's /metrics through the HTTP upstream, which resolves dot segments)."""
from contextlib import AsyncExitStack

import pytest

from gateway.app import create_gateway
from gateway.settings import GatewaySettings
from gateway.upstream import HttpUpstream
from kit.bus.memory import MemoryBus
from kit.settings import PlatformSettings
from kit.testing import auth
from sendpb.runner import BY_NAME
from tests.gateway.raw import call, served

TOKEN = list(auth("casework", "finance", "read").items())


@pytest.fixture(scope="module")
async def gateway_over_http(tmp_path_factory):
    """The gateway in front of the budget and payments services, each served over HTTP as in production."""
    platform = PlatformSettings(data_dir=tmp_path_factory.mktemp("paths"), log_json=False)
    bus = MemoryBus()
    await bus.start()
    async with AsyncExitStack() as stack:
        upstreams = {}
        for name in ("budget", "payments"):
            component = BY_NAME[name]
            url = await stack.enter_async_context(served(component.create_app(platform, bus=bus)))
            upstreams[component.prefix] = HttpUpstream(component.prefix, url, timeout=10, connections=4)
        gateway = create_gateway(platform, GatewaySettings(), upstreams)
        yield gateway
        for upstream in upstreams.values():
            await upstream.close()
    await bus.close()


@pytest.mark.parametrize("path", [
    "/v1/budgets/../../metrics",
    "/v1/payments/../../docs",
    "/v1/budgets/./../../metrics",
    "/v1/budgets/%2e%2e/%2e%2e/metrics",
    "/v1/budgets/%2E%2E/%2e./metrics",
    "/v1/budgets/..%2f..%2fmetrics",
    "/v1/budgets/..%2F..%2Fmetrics",
    "/v1/budgets/..\\..\\metrics",
    "/v1/budgets/..%5c..%5cmetrics",
    "/v1/budgets/%252e%252e/%252e%252e/metrics",
    "/v1/budgets//..//..//metrics",
    "/v1/budgets/..;/..;/metrics",
    "/v1/budgets/x/../../../openapi.json",
    "/v1/budgets/%00/healthz",
])
async def test_a_path_with_dot_segments_or_encoded_separators_is_refused_with_a_400(gateway_over_http, path):
    r = await call(gateway_over_http, "GET", path, headers=TOKEN)
    assert r.status == 400, (r.status, r.body[:200])
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == 400 and problem["type"].endswith("/bad-path")
    assert b"sendpb_http_requests_total" not in r.body and b"swagger" not in r.body.lower()


async def test_a_plain_path_still_reaches_the_service(gateway_over_http):
    ok = await call(gateway_over_http, "GET", "/v1/budgets/healthz")
    assert ok.status == 200 and ok.json() == {"status": "ok"}
    listed = await call(gateway_over_http, "GET", "/v1/budgets?child_id=c-1", headers=TOKEN)
    assert listed.status == 200, listed.body


async def test_only_the_services_own_health_paths_skip_the_token_check(gateway_over_http):
    r = await call(gateway_over_http, "GET", "/v1/budgets/anything/healthz")
    assert r.status == 401
