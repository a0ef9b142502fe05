"""Money booked from other services' events (BUD-08): releases and returns from block contracts, direct
payments and recoveries, each once, and a ledger whose every transaction balances."""

import json
import uuid

import pytest

from kit.testing import LA, eventually, running_service
from services.budget.app import create_app
from tests.budget.helpers import CASEWORK, FINANCE, decide, line, publish, submitted


@pytest.fixture
async def svc(memory_backend):
    async with running_service(create_app, memory_backend, service="budget") as running:
        yield running


async def agreed_budget(client) -> dict:
    budget = await submitted(
        client,
        [
            line("social_care", 300_000),
            line("health", 100_000),
            line("education", 50_000, arrangement="notional", category="tuition"),
        ],
    )
    for stream, amount in (("social_care", 300_000), ("health", 100_000), ("education", 50_000)):
        await decide(client, budget["id"], stream, amount)
    r = await client.post(f"/v1/budgets/{budget['id']}/agree", headers=CASEWORK)
    assert r.status_code == 200, r.text
    return r.json()


def moved(budget: dict, stream: str, amount: int, transfer_id: str) -> dict:
    return {
        "transfer_id": transfer_id,
        "contract_id": str(uuid.uuid4()),
        "budget_id": budget["id"],
        "child_id": budget["child_id"],
        "local_authority": LA,
        "stream": stream,
        "units": 12,
        "amount_pence": amount,
        "released_at": "2026-12-01T10:00:00Z",
    }


def paid(budget: dict, amount: int, stream: str | None, payment_id: str | None = None) -> dict:
    return {
        "payment_id": payment_id or str(uuid.uuid4()),
        "agreement_id": str(uuid.uuid4()),
        "budget_id": budget["id"],
        "child_id": budget["child_id"],
        "local_authority": LA,
        "stream": stream,
        "amount_pence": amount,
        "due_date": "2026-12-01",
        "run_id": str(uuid.uuid4()),
        "issued_on": "2026-12-01",
    }


async def streams(client, budget_id: str) -> dict:
    return (await client.get(f"/v1/budgets/{budget_id}", headers=CASEWORK)).json()["streams"]


async def test_releases_payments_and_recoveries_are_booked_once_each(svc):
    budget, bus = await agreed_budget(svc.client), svc.runtime.bus
    transfer, payment = str(uuid.uuid4()), str(uuid.uuid4())
    await publish(bus, "contracts.funds_released.v1", moved(budget, "health", 96_000, transfer))
    await publish(bus, "contracts.funds_released.v1", moved(budget, "health", 96_000, transfer))  # re-sent
    await publish(bus, "contracts.funds_returned.v1", moved(budget, "health", 16_000, transfer))
    await publish(bus, "payments.payment_issued.v1", paid(budget, 20_000, "social_care", payment))
    await publish(bus, "payments.payment_issued.v1", paid(budget, 20_000, "social_care", payment))  # re-sent
    await publish(
        bus,
        "payments.recovery_confirmed.v1",
        {
            "recovery_id": str(uuid.uuid4()),
            "agreement_id": str(uuid.uuid4()),
            "budget_id": budget["id"],
            "child_id": budget["child_id"],
            "local_authority": LA,
            "stream": "social_care",
            "amount_pence": 5_000,
            "method": "deduction",
            "confirmed_at": "2026-12-20T10:00:00Z",
        },
    )
    await bus.drain()
    s = await streams(svc.client, budget["id"])
    assert s["health"]["released_pence"] == 80_000
    assert s["health"]["available_pence"] == 100_000 + 80_000
    assert s["social_care"]["spent_pence"] == 15_000
    assert s["social_care"]["available_pence"] == 300_000 - 15_000


async def test_a_payment_without_a_stream_is_split_by_direct_payment_amounts_and_adds_back(svc):
    budget = await agreed_budget(svc.client)
    await publish(svc.runtime.bus, "payments.payment_issued.v1", paid(budget, 10_001, None))
    await svc.runtime.bus.drain()
    s = await streams(svc.client, budget["id"])
    # direct-payment amounts 300,000 : 100,000 → 7,500.75 : 2,500.25; the remainder penny goes to the largest
    assert (s["social_care"]["spent_pence"], s["health"]["spent_pence"]) == (7_501, 2_500)
    assert s["education"]["spent_pence"] == 0
    ledger = (await svc.client.get(f"/v1/budgets/{budget['id']}/ledger", headers=FINANCE)).json()["items"]
    assert "in proportion to their direct-payment amounts" in ledger[0]["memo"]


async def test_bud_08_every_ledger_transaction_balances_and_balances_are_the_sums_of_entries(svc):
    budget = await agreed_budget(svc.client)
    await publish(svc.runtime.bus, "payments.payment_issued.v1", paid(budget, 12_345, "health"))
    await publish(
        svc.runtime.bus, "contracts.funds_released.v1", moved(budget, "social_care", 1_000, str(uuid.uuid4()))
    )
    await svc.runtime.bus.drain()
    items = (await svc.client.get(f"/v1/budgets/{budget['id']}/ledger", headers=FINANCE)).json()["items"]
    assert all(sum(e["amount_pence"] for e in t["entries"]) == 0 for t in items)
    sums: dict[tuple[str, str], int] = {}
    for t in items:
        for e in t["entries"]:
            sums[(e["stream"], e["account"])] = sums.get((e["stream"], e["account"]), 0) + e["amount_pence"]
    for stream, b in (await streams(svc.client, budget["id"])).items():
        assert b["available_pence"] == sums.get((stream, "available"), 0)
        assert b["spent_pence"] == sums.get((stream, "spent"), 0)
        assert b["available_pence"] == (
            b["agreed_pence"] + b["released_pence"] - b["committed_pence"] - b["spent_pence"]
        )


async def test_BUD_08_money_for_no_budget_of_ours_or_another_childs_is_refused_by_an_event_not_a_dead_letter(svc):
    """A business refusal is an event the producer acts on (contracts gives the units back), acknowledged; only
    unreadable messages are dead-lettered."""
    refused: list[dict] = []

    async def tap(body: bytes) -> None:
        refused.append(json.loads(body)["payload"])

    await svc.runtime.bus.subscribe("refusal-tap", ["budget.booking_refused.v1"], tap)
    budget = await agreed_budget(svc.client)
    ghost = {"id": str(uuid.uuid4()), "child_id": "C-ghost"}
    await publish(svc.runtime.bus, "contracts.funds_released.v1", moved(ghost, "health", 1, "t-ghost"))
    await publish(svc.runtime.bus, "contracts.funds_released.v1",
                  moved({**budget, "child_id": "C-someone-else"}, "health", 2, "t-other-child"))
    await publish(svc.runtime.bus, "payments.payment_issued.v1", paid(ghost, 3, "health"))
    await eventually(lambda: len(refused) == 3)
    by_amount = {r["amount_pence"]: r for r in refused}
    assert (by_amount[1]["rule"], by_amount[1]["transfer_id"]) == ("BUD-08", "t-ghost")
    assert (by_amount[2]["rule"], by_amount[2]["transfer_id"]) == ("BUD-01", "t-other-child")
    assert by_amount[3]["refused_event_type"] == "payments.payment_issued.v1" and by_amount[3]["payment_id"]
    assert await svc.runtime.bus.take_dead_letters("budget") == []
    assert (await streams(svc.client, budget["id"]))["health"]["released_pence"] == 0
