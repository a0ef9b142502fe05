"""Racing requests on both backends: the per-CYP row lock keeps BUD-01 and BUD-07 true under concurrency."""
import asyncio

from kit.testing import running_service
from services.budget.app import create_app
from tests.budget.helpers import CASEWORK, FINANCE, HEALTH, child, health_event, new_budget


async def test_bud_01_racing_opens_for_one_child_give_one_budget(backend):
    async with running_service(create_app, backend, service="budget") as svc:
        cyp = child()
        answers = await asyncio.gather(*(svc.client.post("/v1/budgets", json=new_budget(cyp), headers=CASEWORK)
                                         for _ in range(4)))
        assert sorted(r.status_code for r in answers) == [201, 409, 409, 409]
        assert {r.json()["rule"] for r in answers if r.status_code == 409} == {"BUD-01"}


async def test_bud_07_the_same_icb_event_racing_on_both_channels_applies_once(backend):
    async with running_service(create_app, backend, service="budget") as svc:
        cyp = child()
        budget = (await svc.client.post("/v1/budgets", json=new_budget(cyp), headers=CASEWORK)).json()
        event = health_event(cyp, 80_000, "2027-02-01")
        answers = await asyncio.gather(*(svc.client.post("/v1/budgets/health-funding-events", json=event,
                                                         headers=HEALTH) for _ in range(4)))
        assert sorted(r.json()["outcome"] for r in answers) == ["applied", "duplicate", "duplicate", "duplicate"]
        ledger = (await svc.client.get(f"/v1/budgets/{budget['id']}/ledger", headers=FINANCE)).json()["items"]
        assert [t["kind"] for t in ledger].count("health_funding") == 1
