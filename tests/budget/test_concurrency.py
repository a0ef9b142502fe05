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


async def test_bud_07_a_rest_event_waits_a_bounded_time_for_a_child_a_batch_has_locked(real_backend):
    """Issue 21: a consumer's batch holds the child's lock until it commits; an ICB's REST call for the same child
    answers 503 with Retry-After after REST_LOCK_WAIT_SECONDS instead of holding a pooled connection until then,
    and is applied once the batch lets go (PostgreSQL: SQLite's one writer queues the whole transaction instead)."""
    from services.budget import repository as repo
    from services.budget.service import health

    async with running_service(create_app, real_backend, service="budget") as svc:
        cyp = child()
        await svc.client.post("/v1/budgets", json=new_budget(cyp), headers=CASEWORK)
        event = health_event(cyp, 80_000, "2027-02-01")
        async with svc.runtime.db.transaction() as batch:
            await repo.lock_children(batch, [(event["local_authority"], cyp)])
            started = asyncio.get_running_loop().time()
            refused = await asyncio.wait_for(  # unbounded, the call would wait for this transaction forever
                svc.client.post("/v1/budgets/health-funding-events", json=event, headers=HEALTH), timeout=15)
            waited = asyncio.get_running_loop().time() - started
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["retry-after"]) >= 1
        assert health.REST_LOCK_WAIT_SECONDS <= waited < 10  # bounded by the lock wait, not the pool's 30 s
        applied = await svc.client.post("/v1/budgets/health-funding-events", json=event, headers=HEALTH)
        assert applied.json()["outcome"] == "applied"
