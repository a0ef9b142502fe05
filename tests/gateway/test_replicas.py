"""Rate limits hold across gateway replicas (issue 16: three replicas allowed three times the limit): in Redis when
one is configured, tested against the real Redis; otherwise each replica enforces its share of the limit."""
import time
import uuid
from contextlib import AsyncExitStack

import httpx
import pytest

from gateway.app import create_gateway
from gateway.settings import GatewaySettings
from gateway.upstream import InProcessUpstream
from kit.settings import PlatformSettings
from kit.testing import auth


async def ok_app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def replicas(stack: AsyncExitStack, tmp_path, count: int, **settings) -> list[httpx.AsyncClient]:
    """``count`` gateway replicas with the same settings, each in front of the same trivial service."""
    clients = []
    for i in range(count):
        gateway = create_gateway(PlatformSettings(data_dir=tmp_path, log_json=False), GatewaySettings(**settings),
                                 {"ras": InProcessUpstream("ras", ok_app)})
        await stack.enter_async_context(gateway.control.router.lifespan_context(gateway.control))
        transport = httpx.ASGITransport(app=gateway, client=("198.51.100.20", 40000 + i))
        clients.append(await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://gw")))
    return clients


async def round_robin(clients, requests: int, headers) -> list[int]:
    return [(await clients[i % len(clients)].get("/v1/ras/anything", headers=headers)).status_code
            for i in range(requests)]


@pytest.mark.integration
async def test_three_replicas_on_redis_allow_the_limit_once_not_three_times(tmp_path, redis_url):
    url, prefix = redis_url
    headers = auth("read", client_id=f"client-{uuid.uuid4().hex[:6]}")
    async with AsyncExitStack() as stack:
        gateways = await replicas(stack, tmp_path, 3, redis_url=url, redis_prefix=prefix,
                                  rate_limit_per_second=0.1, rate_limit_burst=6)
        codes = await round_robin(gateways, 12, headers)
        assert codes == [200] * 6 + [429] * 6
        limited = await gateways[0].get("/v1/ras/anything", headers=headers)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        other = await gateways[1].get("/v1/ras/anything", headers=auth("read", client_id="someone-else"))
        assert other.status_code == 200, "the limit is per client"


@pytest.mark.integration
async def test_failed_token_requests_are_counted_across_replicas(tmp_path, redis_url):
    url, prefix = redis_url
    async with AsyncExitStack() as stack:
        gateways = await replicas(stack, tmp_path, 2, redis_url=url, redis_prefix=prefix,
                                  token_failures_per_client=4)
        form = {"grant_type": "client_credentials", "client_id": "dev-finance", "client_secret": "guess"}
        codes = [(await gateways[i % 2].post("/oauth/token", data=form)).status_code for i in range(6)]
        assert codes == [401] * 4 + [429] * 2


async def test_without_redis_each_replica_enforces_its_share(tmp_path):
    headers = auth("read", client_id="shared-client")
    async with AsyncExitStack() as stack:
        gateways = await replicas(stack, tmp_path, 3, replicas=3, rate_limit_per_second=0.1, rate_limit_burst=6)
        codes = await round_robin(gateways, 12, headers)
    assert codes.count(200) == 6, codes


async def test_when_redis_does_not_answer_the_replica_falls_back_on_its_share(tmp_path, caplog):
    headers = auth("read", client_id="fallback-client")
    async with AsyncExitStack() as stack:
        (gateway,) = await replicas(stack, tmp_path, 1, redis_url="redis://127.0.0.1:9/0", replicas=2,
                                    rate_limit_per_second=0.1, rate_limit_burst=6)
        started = time.perf_counter()
        codes = [(await gateway.get("/v1/ras/anything", headers=headers)).status_code for _ in range(5)]
        elapsed = time.perf_counter() - started
    assert codes == [200] * 3 + [429] * 2, "the replica's share of 6 over 2 replicas"
    assert elapsed < 3, "Redis is not asked again on every request while it is down"
    assert any("Redis failed" in r.getMessage() for r in caplog.records)
