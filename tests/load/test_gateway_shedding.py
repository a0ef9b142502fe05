"""Issue 21: the gateway lets at most SENDPB_GATEWAY_UPSTREAM_CONNECTIONS requests per service be in flight and
sheds one more at once with 503 problem+json and Retry-After, rather than queueing it. The upstream holds the
first request on an event, so nothing here depends on the machine's speed or load."""
import asyncio

import httpx
from aiohttp import web

from gateway.settings import GatewaySettings
from kit.settings import PlatformSettings
from kit.testing import auth
from sendpb.runner import build_gateway


async def test_a_request_beyond_the_in_flight_limit_is_shed_at_once_with_503_and_retry_after(tmp_path):
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        entered.set()
        await release.wait()
        return web.json_response({"answered": True})

    upstream = web.Application()
    upstream.router.add_get("/v1/ras/slow", slow)
    runner = web.AppRunner(upstream)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    gateway = build_gateway(PlatformSettings(data_dir=tmp_path, log_json=False),
                            GatewaySettings(upstreams={"ras": f"http://127.0.0.1:{port}"}, upstream_connections=1))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gw") as client:
            first = asyncio.create_task(client.get("/v1/ras/slow", headers=auth("read")))
            await entered.wait()

            shed = await client.get("/v1/ras/slow", headers=auth("read"))

            assert shed.status_code == 503, shed.text
            assert shed.headers["content-type"] == "application/problem+json"
            assert shed.headers["retry-after"] == "1"
            assert shed.json()["title"] == "Service overloaded" and "1 requests in flight" in shed.json()["detail"]
            assert not first.done()  # shed while the first was still in flight, not queued behind it
            release.set()
            assert (await first).json() == {"answered": True}
            assert (await client.get("/v1/ras/slow", headers=auth("read"))).status_code == 200
    finally:
        for one in gateway.upstreams.values():
            await one.close()
        await runner.cleanup()
