"""The front door on the distributed platform (each service and two gateway replicas their own processes, on
PostgreSQL, RabbitMQ and Redis), with requests written on the socket as an attacker writes them."""
import asyncio
import base64
import json
import uuid

import httpx
import pytest

from kit.testing import RUN_ID, pg_url, rabbit_url
from sendpb.runner import SERVICES
from tests.distributed import ServiceProcess, distributed_platform, free_port, service_env


async def raw_request(port: int, head: str, body: bytes = b"") -> tuple[int, bytes]:
    """One HTTP/1.1 request written byte for byte (no client resolves its '..'); the status and the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head.replace("\n", "\r\n").encode("latin-1") + b"\r\n" + body)
    await writer.drain()
    response = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    status = int(response.split(b" ", 2)[1])
    return status, response.partition(b"\r\n\r\n")[2]


@pytest.mark.integration
async def test_two_gateway_replicas_share_the_limit_and_refuse_traversal_and_big_bodies(tmp_path, redis_url):
    url, prefix = redis_url
    limits = {"SENDPB_GATEWAY_REDIS_URL": url, "SENDPB_GATEWAY_REDIS_PREFIX": prefix,
              "SENDPB_GATEWAY_RATE_LIMIT_PER_SECOND": "0.1", "SENDPB_GATEWAY_RATE_LIMIT_BURST": "10"}
    async with distributed_platform(tmp_path / "logs", extra_env=limits) as (first, ports, _):
        env = service_env(await rabbit_url(), pg_url(f"sendpb_{RUN_ID}_dist_{{service}}"), **limits)
        env["SENDPB_GATEWAY_UPSTREAMS"] = json.dumps({c.prefix: f"http://127.0.0.1:{ports[c.name]}"
                                                      for c in SERVICES})
        second_port = free_port()
        replica = ServiceProcess("gateway", second_port, env, tmp_path / "logs", name="gateway-2")
        replica.start()
        try:
            await replica.ready()
            gateway_port = int(str(first.base_url).rsplit(":", 1)[1].strip("/"))
            basic = base64.b64encode(b"dev-casework:dev-secret").decode()
            issued = await first.post("/oauth/token", data={"grant_type": "client_credentials"},
                                      headers={"Authorization": f"Basic {basic}"})
            assert issued.status_code == 200, issued.text
            bearer = f"Bearer {issued.json()['access_token']}"

            status, body = await raw_request(gateway_port, "GET /v1/budgets/../../metrics HTTP/1.1\n"
                                             f"Host: gw\nAuthorization: {bearer}\nConnection: close\n")
            assert status == 400 and b"sendpb_http_requests_total" not in body
            status, body = await raw_request(second_port, "GET /v1/payments/%2e%2e/%2e%2e/docs HTTP/1.1\n"
                                             "Host: gw\nConnection: close\n")
            assert status == 400 and b"swagger" not in body.lower()
            status, body = await raw_request(
                gateway_port, f"POST /v1/budgets HTTP/1.1\nHost: gw\nAuthorization: {bearer}\n"
                              f"Content-Type: application/json\nContent-Length: {10 * 1024 * 1024}\n"
                              "Connection: close\n", b"{")
            assert status == 413 and json.loads(body)["status"] == 413

            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{second_port}", timeout=10) as second:
                codes = []
                for i in range(16):
                    client = (first, second)[i % 2]
                    r = await client.get(f"/v1/budgets?child_id=c-{uuid.uuid4().hex[:6]}",
                                         headers={"Authorization": bearer})
                    codes.append(r.status_code)
            assert codes.count(200) == 10 and codes.count(429) == 6, codes
        finally:
            replica.stop()
