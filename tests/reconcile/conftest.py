"""A journey that moves money in every way reconciliation compares."""
from datetime import date

import pytest

from sendpb.journey import Api, Family, run

LA = "E06000060"
JOURNEY_DAY = date(2026, 3, 2)  # the platform's clock is set here: nothing depends on the machine's date


@pytest.fixture
async def journey(platform, clock):
    """One family's journey (a paid direct payment, a block-contract release, a recovery notice), then the
    family's challenge rejected and the recovery confirmed by invoice (PAY-07)."""
    clock.set_to(JOURNEY_DAY, tick=True)
    api = Api(platform.client)
    facts = await run(api, Family("Reconcile", LA, date(2015, 3, 14)), today=JOURNEY_DAY, story=[])
    recovery_id = facts["ids"]["recovery_id"]
    await api.call("POST", f"/v1/payments/recoveries/{recovery_id}/decision", as_="dev-finance",
                   json={"outcome": "rejected", "reason": "The leave was not agreed in the plan"})
    confirmed = await api.call("POST", f"/v1/payments/recoveries/{recovery_id}/confirm", as_="dev-finance",
                               json={"method": "invoice"})
    assert confirmed["status"] == "confirmed"
    return facts
