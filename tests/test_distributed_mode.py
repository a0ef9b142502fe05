"""The same code, distributed: five service processes and a gateway process on PostgreSQL and RabbitMQ."""
import pytest

from tests.distributed import distributed_platform

pytestmark = pytest.mark.integration


async def test_each_service_runs_in_its_own_process_behind_the_gateway(tmp_path):
    async with distributed_platform(tmp_path / "logs") as (client, ports, procs):
        ready = (await client.get("/readyz")).json()
        assert ready["status"] == "ready"
        for name, body in ready["services"].items():
            assert body["checks"] == {"database": "ok", "broker": "ok"}, name
        token = (await client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                         "client_id": "dev-admin",
                                                         "client_secret": "dev-secret"})).json()["access_token"]
        r = await client.get("/v1/payments/healthz", headers={"X-Request-ID": "dist-1"})
        assert r.status_code == 200 and r.headers["x-request-id"] == "dist-1"
        missing = await client.get("/v1/budgets/nothing-here", headers={"Authorization": f"Bearer {token}"})
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        doc = (await client.get("/openapi.json")).json()
        assert "/oauth/token" in doc["paths"]
