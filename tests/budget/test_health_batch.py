"""BUD-07 in batches: the consumer applies a group-committed batch of ICB events with set-based statements
(services/budget/service/health.py ``receive_many``). A batch must end exactly as the same events delivered one at a
time, in the same order, each in its own transaction — duplicates, late (older) events, effective-date ties and
events for a CYP without a budget included — on SQLite and on PostgreSQL."""
import random
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from kit.testing import LA, running_service
from services.budget.app import create_app
from services.budget.models import Budget, HealthFundingEvent, LedgerEntry
from services.budget.service import health, opening

START = date(2027, 1, 1)


def scenario(rng: random.Random, n_children: int = 4, n_events: int = 30) -> list[tuple[str, int, date, int]]:
    """(event key, child index, effective date, amount) in arrival order, with repeats and ties."""
    keys = [f"e{k}" for k in range(n_events)]
    sent = [(key, rng.randrange(n_children), START + timedelta(days=rng.randrange(6) * 30),
             rng.randrange(0, 5) * 25_000) for key in keys]
    sent += rng.sample(sent, n_events // 3)  # redeliveries
    rng.shuffle(sent)
    return sent


async def apply(runtime, sent, children: list[str], ids: dict[str, str], *, batch: bool) -> list[dict]:
    received = [(health.HealthFunding(event_id=ids[key], child_id=children[c], local_authority=LA,
                                      annual_amount_pence=amount, effective_from=effective, reason="ICB review"),
                 None) for key, c, effective, amount in sent]
    if batch:
        async with runtime.db.transaction() as session:
            return await health.receive_many(session, received, channel="amqp")
    results = []
    for funding, _ in received:
        async with runtime.db.transaction() as session:
            results.append(await health.receive_health_funding(session, funding, channel="amqp"))
    return results


async def open_budgets(runtime, children: list[str]) -> None:
    async with runtime.db.transaction() as session:
        for cyp in children:
            await opening.open_budget(session, la=LA, child_id=cyp, plan_reference=f"EHCP-{cyp}",
                                      period=(START, START + timedelta(days=364)), indicative_pence={})


async def health_of(runtime, children: list[str]) -> list[tuple]:
    """Per CYP: its health stream's agreed amount (the ledger's sum) and its events' statuses in arrival order."""
    out = []
    async with runtime.db.sessions() as session:
        for cyp in children:
            agreed = (await session.execute(
                select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0)).where(
                    LedgerEntry.stream == "health", LedgerEntry.account == "agreed",
                    LedgerEntry.budget_id.in_(select(Budget.id).where(Budget.child_id == cyp))))).scalar_one()
            statuses = (await session.execute(
                select(HealthFundingEvent.status).where(HealthFundingEvent.child_id == cyp)
                .order_by(HealthFundingEvent.received_at))).scalars().all()
            out.append((-agreed, list(statuses)))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_bud_07_a_batch_ends_as_the_same_events_delivered_one_at_a_time(backend, seed):
    rng = random.Random(seed)
    sent = scenario(rng)
    async with running_service(create_app, backend, service="budget") as svc:
        runtime = svc.runtime
        one, many = ([f"C-{uuid.uuid4().hex[:10]}" for _ in range(4)] for _ in range(2))
        ids_one = {key: str(uuid.uuid4()) for key, *_ in sent}
        ids_many = {key: str(uuid.uuid4()) for key, *_ in sent}
        await open_budgets(runtime, one[:3] + many[:3])  # the fourth CYP has no budget: its events are held

        singly = await apply(runtime, sent, one, ids_one, batch=False)
        batched = await apply(runtime, sent, many, ids_many, batch=True)

        assert [r["outcome"] for r in batched] == [r["outcome"] for r in singly]
        assert "duplicate" in {r["outcome"] for r in batched} and "held" in {r["outcome"] for r in batched}
        assert await health_of(runtime, many) == await health_of(runtime, one)
        # and both equal the rule: the amount of the latest-effective event, the later arrival winning a tie
        for c in range(3):
            latest, seen = None, set()
            for key, child_index, effective, amount in sent:
                if child_index == c and key not in seen and (latest is None or effective >= latest[0]):
                    latest = (effective, amount)
                seen.add(key)
            assert (await health_of(runtime, [many[c]]))[0][0] == (latest[1] if latest else 0)
