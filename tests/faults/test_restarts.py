"""The broker and the database going away in the middle of work, round after round: RabbitMQ during a burst of ICB
health-funding events, PostgreSQL during a payment run (simulated on this run's own vhost and databases unless
SENDPB_FAULT_REAL_RESTARTS=1, see tests/faults/outages.py). The services ride it out, and the checker finds every
change in effect exactly once."""
from __future__ import annotations

import asyncio

import pytest

from tests.faults.checker import applied_ids
from tests.faults.conftest import ROUNDS, replay, rng_for
from tests.faults.outages import postgres_outage, rabbitmq_outage
from tests.faults.rig import ICB_EVENT, SERVICES, Rig
from tests.faults.world import assert_checked, funded_children, icb_burst, signed_direct_payments

pytestmark = pytest.mark.integration


async def paced(rig: Rig, burst: list, *, chunks: int, every: float) -> None:
    """Publish the burst in ``chunks`` a moment apart, as an ICB system would over a few seconds."""
    size = -(-len(burst) // chunks)
    for k in range(0, len(burst), size):
        await rig.publish(burst[k:k + size])
        await asyncio.sleep(every)


async def back(rig: Rig) -> None:
    for service in SERVICES:
        await rig.procs[service].ready()


async def test_rabbitmq_restarting_during_a_burst_of_icb_events_loses_nothing_and_applies_each_once(rig: Rig):
    for round_ in range(ROUNDS):
        await rabbitmq_restart_round(rig, rng_for("rabbitmq-restart", round_), replay("rabbitmq-restart", round_))
        rig.faults["RabbitMQ restarted during a burst of ICB events"] += 1


async def rabbitmq_restart_round(rig: Rig, rng, where: str) -> None:
    burst = icb_burst(rig, rng, children=await funded_children(rig, rng, rng.randint(4, 6)),
                      events=rng.randint(120, 200))
    ids = {m.message_id for m in burst}
    # The tail is held back until the broker has gone away, so the burst spans the outage whatever the machine's
    # load (a busy machine could otherwise consume a timed burst before rabbitmqctl had closed anything).
    cut = len(burst) - rng.randint(len(burst) // 5, len(burst) // 3)
    head, tail = burst[:cut], burst[cut:]
    applied_while_away: list[int] = []
    tail_publishing: list[asyncio.Task] = []

    async def while_away() -> None:
        applied_while_away.append(len(await applied_ids(rig.db["budget"], "budget", ICB_EVENT) & ids))
        tail_publishing.append(asyncio.create_task(rig.publish(tail)))  # confirmed once the broker is back

    publishing = asyncio.create_task(paced(rig, head, chunks=rng.randint(8, 12), every=0.3))
    await asyncio.sleep(rng.uniform(0.1, 1.0))
    closed = await rabbitmq_outage(rig.vhost, rng.uniform(0.5, 2.5), during=while_away)
    await publishing
    await tail_publishing[0]
    assert closed >= len(SERVICES), f"only {closed} connections were closed; {where}"
    assert applied_while_away[0] <= len(head), f"{applied_while_away[0]} applied of {len(head)} published; {where}"
    rig.observed["ICB events applied before the broker went away, of the burst's first part: "
                 f"{'all' if applied_while_away[0] == len(head) else 'some'}"] += 1
    await back(rig)
    await assert_checked(rig, where)


async def test_postgresql_restarting_during_a_payment_run_pays_each_instalment_exactly_once(rig: Rig):
    for round_ in range(ROUNDS):
        await postgresql_restart_round(rig, rng_for("postgresql-restart", round_),
                                       replay("postgresql-restart", round_))
        rig.faults["PostgreSQL restarted during a payment run"] += 1


async def postgresql_restart_round(rig: Rig, rng, where: str) -> None:
    await signed_direct_payments(rig, rng, rng.randint(3, 5))
    run, share = await rig.post_run(), rng.uniform(0.1, 0.6)
    while True:  # until the run has settled its share of the instalments due
        run = await rig.run_state(run["id"])
        progress = run["progress"]
        if run["status"] != "running" or progress["instalments_settled"] >= share * progress["instalments_due"] > 0:
            break
        await asyncio.sleep(0.02)
    cut = await postgres_outage(list(rig.databases.values()), rng.uniform(0.5, 2.5))
    assert run["status"] == "running", f"the run was over before PostgreSQL went away ({run}); {where}"
    assert cut >= len(SERVICES), f"only {cut} database connections were cut; {where}"
    await back(rig)
    status = (await rig.run_state(run["id"]))["status"]
    rig.observed[f"payment run cut off by the database restart, then {status!r}"] += 1
    await rig.run_to_the_end()  # pays what the interrupted run did not
    await assert_checked(rig, where)
