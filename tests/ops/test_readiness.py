"""Readiness means "can serve": a service needs its database, not its broker (the outbox buffers); the gateway needs
to check tokens and to have somewhere to route, and reports each service without being taken out by one."""
import contextlib

import httpx

from gateway.app import create_gateway
from gateway.settings import GatewaySettings
from kit.auth import new_private_key_pem, public_key_pem
from kit.bus.rabbit import RabbitBus
from kit.db import Database
from kit.settings import PlatformSettings

NOWHERE_AMQP = "amqp://guest:guest@127.0.0.1:9/"  # a closed port: a broker that is down
NOWHERE_DB = "postgresql+asyncpg://postgres@127.0.0.1:9/sendpb_gone"  # and a database that is down


@contextlib.asynccontextmanager
async def swapped(runtime, attribute: str, replacement):
    original = getattr(runtime, attribute)
    setattr(runtime, attribute, replacement)
    try:
        yield
    finally:
        setattr(runtime, attribute, original)
        if isinstance(replacement, Database):
            await replacement.dispose()


async def test_a_service_without_its_broker_is_ready_and_says_so(platform):
    runtime = platform.embedded.apps["budget"].state.runtime
    async with swapped(runtime, "bus", RabbitBus(NOWHERE_AMQP)):
        r = await platform.client.get("/v1/budgets/readyz")
        gateway = await platform.client.get("/readyz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ready" and body["degraded"] == ["broker"]
    assert body["checks"]["database"] == "ok" and body["checks"]["broker"].startswith("unavailable")
    assert gateway.status_code == 200 and gateway.json()["services"]["budgets"]["degraded"] == ["broker"]


async def test_a_service_without_its_database_is_not_ready_and_the_gateway_still_is(platform):
    runtime = platform.embedded.apps["payments"].state.runtime
    async with swapped(runtime, "db", Database(NOWHERE_DB)):
        r = await platform.client.get("/v1/payments/readyz")
        gateway = await platform.client.get("/readyz")
        budgets = await platform.client.get("/v1/budgets/readyz")
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["checks"]["database"].startswith("unavailable") and r.json()["checks"]["broker"] == "ok"
    assert gateway.status_code == 200
    body = gateway.json()
    assert body["status"] == "ready" and body["checks"] == {"tokens": "ok", "routing": "ok"}
    assert body["degraded"] == ["payments"] and body["services"]["payments"]["status"] == "not ready"
    assert body["services"]["budgets"]["status"] == "ready"
    assert budgets.status_code == 200, "the other services go on serving through the gateway"


async def test_with_everything_up_nothing_is_degraded(platform):
    body = (await platform.client.get("/readyz")).json()
    assert body["status"] == "ready" and "degraded" not in body
    assert {name: s["checks"] for name, s in body["services"].items()} == {
        name: {"database": "ok", "broker": "ok"} for name in ("eligibility", "ras", "budgets", "payments",
                                                              "contracts")}


async def test_a_gateway_that_cannot_check_its_own_tokens_is_not_ready(tmp_path):
    # Signing with one key while the keys it checks tokens with are another's: nothing it issues would pass.
    platform = PlatformSettings(data_dir=tmp_path, log_json=False,
                                jwt_public_keys={"other": public_key_pem(new_private_key_pem())})
    gateway = create_gateway(platform, GatewaySettings(jwt_private_key=new_private_key_pem(), jwt_kid="k1"), {})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gw") as client:
        r = await client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["tokens"].startswith("unavailable")
    assert r.json()["checks"]["routing"] == "unavailable: no service to route to"
