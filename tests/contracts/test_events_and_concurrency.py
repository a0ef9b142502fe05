"""Release and return events through the outbox, and concurrent requests against one contract — on SQLite with
the in-memory bus and on PostgreSQL with RabbitMQ."""
import asyncio
import json
import uuid

from kit.testing import eventually, running_service
from services.contracts.app import create_app
from tests.contracts.conftest import (
    CASEWORK,
    COMMISSIONING,
    KNOWN_BUDGET,
    READ,
    contract_body,
    know_budget,
    transfer_body,
)

RELEASE_FIELDS = {"transfer_id", "contract_id", "budget_id", "child_id", "local_authority", "stream", "units",
                  "amount_pence", "released_at"}


async def test_an_approved_transfer_is_announced_once_and_its_withdrawal_returns_the_money(backend):
    bus = await backend.bus()
    seen: list[dict] = []

    async def tap(body: bytes) -> None:
        seen.append(json.loads(body))

    await bus.subscribe(f"contracts-tap-{uuid.uuid4().hex[:8]}", ["contracts.#"], tap)
    async with running_service(create_app, backend, service="contracts", bus=bus) as svc:
        await know_budget(svc.runtime, **{k: KNOWN_BUDGET[k] for k in ("budget_id", "child_id")})
        c = (await svc.client.post("/v1/contracts", json=contract_body(), headers=COMMISSIONING)).json()
        url = f"/v1/contracts/{c['id']}/transfer-requests"
        declined = (await svc.client.post(url, json=transfer_body(units=481), headers=CASEWORK)).json()
        approved = (await svc.client.post(url, json=transfer_body(units=12), headers=CASEWORK)).json()
        assert (declined["decision"], approved["decision"]) == ("declined", "approved")

        def of(kind):
            return [e for e in seen if e["type"] == kind and e["payload"]["contract_id"] == c["id"]]

        [released] = await eventually(lambda: of("contracts.funds_released.v1"))
        assert set(released["payload"]) == RELEASE_FIELDS
        assert released["payload"] | {"released_at": None} == {
            "transfer_id": approved["id"], "contract_id": c["id"], "budget_id": approved["budget_id"],
            "child_id": approved["child_id"], "local_authority": c["local_authority"], "stream": "health",
            "units": 12, "amount_pence": 960_00, "released_at": None}
        assert released["producer"] == "contracts" and released["local_authority"] == c["local_authority"]

        await svc.client.post(f"/v1/contracts/transfers/{approved['id']}/withdraw", json={"reason": "ended"},
                              headers=CASEWORK)
        [returned] = await eventually(lambda: of("contracts.funds_returned.v1"))
        assert RELEASE_FIELDS <= set(returned["payload"])
        assert (returned["payload"]["amount_pence"], returned["payload"]["units"]) == (960_00, 12)
        assert returned["payload"]["reason"] == "ended"
        await asyncio.sleep(0.5)
        assert len(of("contracts.funds_released.v1")) == 1 and len(of("contracts.funds_returned.v1")) == 1
        assert await svc.runtime.relay.pending() == 0


async def test_CON_04_two_concurrent_requests_never_release_more_than_the_maximum_between_them(backend):
    async with running_service(create_app, backend, service="contracts") as svc:
        await know_budget(svc.runtime, **{k: KNOWN_BUDGET[k] for k in ("budget_id", "child_id")})
        c = (await svc.client.post("/v1/contracts", json=contract_body(), headers=COMMISSIONING)).json()
        url = f"/v1/contracts/{c['id']}/transfer-requests"
        # Each alone fits the 480-hour maximum; together (600) they would breach it.
        first, second = await asyncio.gather(
            svc.client.post(url, json=transfer_body(units=300), headers=CASEWORK),
            svc.client.post(url, json=transfer_body(units=300), headers=CASEWORK),
        )
        assert first.status_code == second.status_code == 201
        decisions = sorted([first.json()["decision"], second.json()["decision"]])
        assert decisions == ["approved", "declined"]
        loser = first.json() if first.json()["decision"] == "declined" else second.json()
        assert any(r["rule"] == "CON-04" and "180 hours left" in r["message"] for r in loser["reasons"])
        release = (await svc.client.get(f"/v1/contracts/{c['id']}", headers=READ)).json()["release"]
        assert (release["released_units"], release["released_pence"]) == (300, 24_000_00)
