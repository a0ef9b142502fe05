"""Fixtures of the contracts tests: the service running on a backend, and bodies to post."""
from datetime import date, timedelta

import pytest

from kit.testing import LA, auth, running_service
from services.contracts.app import create_app

COMMISSIONING = auth("commissioning")
CASEWORK = auth("casework")
READ = auth("read")
TODAY = date.today()


def contract_body(**overrides):
    """£480,000 a year for 4,800 hours (£100 an hour), 10% releasable, 25% fixed cost, council 70 / ICB 30."""
    body = {"local_authority": LA, "provider": "Bucks Therapy Partnership", "service": "integrated therapies",
            "stream": "health", "annual_value_pence": 480_000_00, "contracted_units": 4_800, "unit": "hour",
            "start_date": str(TODAY - timedelta(days=200)), "end_date": str(TODAY + timedelta(days=900)),
            "renewal_date": str(TODAY + timedelta(days=160)), "max_release_percent": 10,
            "fixed_cost_percent": 25, "funders": {"council": 70, "icb": 30}}
    return {**body, **overrides}


KNOWN_BUDGET = {"budget_id": "0b9d3a52-6b8e-4a52-9d0e-2f4f3c1c0001", "child_id": "C-known",
                "local_authority": LA}  # a budget contracts has heard of (budget.opened.v1), seeded by ``svc``


async def know_budget(runtime, *, budget_id: str, child_id: str, la: str = LA, status: str = "open",
                      closed_on: str | None = None) -> None:
    """Record what the budget's events would tell contracts about a budget."""
    from datetime import UTC, datetime

    from services.contracts.service import budgets

    async with runtime.db.transaction() as session:
        await budgets.record(session, {"budget_id": budget_id, "child_id": child_id, "local_authority": la,
                                       "closed_on": closed_on}, status=status, occurred_at=datetime.now(UTC))


def transfer_body(**overrides):
    body = {"budget_id": KNOWN_BUDGET["budget_id"], "child_id": KNOWN_BUDGET["child_id"], "units": 12,
            "route": "family_provision", "proposed_unit_price_pence": 80_00,
            "evidence": {"provided_by": "mother", "wishes_recorded_on": str(TODAY)},
            "exceptional_reason": None}
    return {**body, **overrides}


@pytest.fixture
async def svc(memory_backend):
    async with running_service(create_app, memory_backend, service="contracts") as running:
        await know_budget(running.runtime, **{k: KNOWN_BUDGET[k] for k in ("budget_id", "child_id")})
        yield running


async def new_contract(client, **overrides) -> dict:
    r = await client.post("/v1/contracts", json=contract_body(**overrides), headers=COMMISSIONING)
    assert r.status_code == 201, r.text
    return r.json()
