"""kill -9, round after round: a consumer process between its commit and its ack, and a producer process
between its outbox relay's publish and its mark. Either way the work is done again after the restart, and the
checker finds every change in effect exactly once."""
from __future__ import annotations

import asyncio

import pytest

from kit.testing import eventually
from tests.distributed import ServiceProcess, free_port
from tests.faults.checker import applied_ids, rows
from tests.faults.conftest import ROUNDS, replay, rng_for
from tests.faults.rig import ICB_EVENT, Rig
from tests.faults.world import (
    TODAY,
    amount,
    assert_checked,
    child,
    funded_children,
    icb_burst,
    signed_direct_payments,
    trickle,
)

pytestmark = pytest.mark.integration


async def test_a_consumer_killed_between_commit_and_ack_has_each_event_applied_once(rig: Rig):
    for round_ in range(ROUNDS):
        rng, where = rng_for("kill-before-ack", round_), replay("kill-before-ack", round_)
        victim = ("budget", "payments")[round_ % 2]
        if victim == "budget":  # consuming a burst of ICB health-funding events
            burst = icb_burst(rig, rng, children=await funded_children(rig, rng, rng.randint(3, 5)),
                              events=rng.randint(20, 40))
            kill_at = rng.randint(1, len(burst) - len(burst) // 10)
            await rig.restart("budget", kill_before_ack=kill_at)
            await trickle(rig, burst, rng)
        else:  # consuming budget.agreed.v1 of budgets agreed one after another
            budgets = [await rig.open_budget(child(), TODAY) for _ in range(rng.randint(3, 6))]
            kill_at = rng.randint(1, len(budgets))
            await rig.restart("payments", kill_before_ack=kill_at)
            for budget_id in budgets:
                await rig.agree(budget_id, amount(rng))
        assert await rig.killed(victim), f"{victim} did not kill itself after commit {kill_at}; {where}"
        inbox = await checker_inbox(rig, victim)
        redelivered = await rig.queued(victim) & inbox
        assert redelivered, f"no committed event was left unacknowledged by the kill; {where}"
        await rig.restart(victim)
        await assert_checked(rig, where)
        rig.faults["consumer killed between commit and ack"] += 1


async def test_a_replica_killed_between_commit_and_ack_leaves_its_deliveries_to_the_other(rig: Rig):
    """Two budget processes compete for the ICB events' queue, as replicas do in the distributed deployment. One
    dies between a commit and its ack: the broker hands what it had not acknowledged to the other, which finds the
    committed events in its inbox and applies the rest. Before the dead one is started again, the survivor alone
    has applied the whole burst, and every event has landed once."""
    survivor = ServiceProcess("budget", free_port(), rig.procs["budget"].env, rig.log_dir, name="budget-replica")
    survivor.start()
    try:
        await survivor.ready()
        for round_ in range(ROUNDS):
            rng, where = rng_for("replica-kill-before-ack", round_), replay("replica-kill-before-ack", round_)
            burst = icb_burst(rig, rng, children=await funded_children(rig, rng, rng.randint(3, 5)),
                              events=rng.randint(40, 80))
            kill_at = rng.randint(1, len(burst) // 4)  # the two share the burst about evenly
            duplicates = await redeliveries_seen(rig, survivor)
            await rig.restart("budget", kill_before_ack=kill_at)
            await trickle(rig, burst, rng)
            assert await rig.killed("budget"), f"budget did not kill itself after commit {kill_at}; {where}"
            await eventually(lambda burst=burst: all_applied(rig, burst), timeout=60)
            assert await redeliveries_seen(rig, survivor) > duplicates, \
                f"the survivor was handed none of the dead one's committed, unacknowledged deliveries; {where}"
            assert survivor.running, f"the surviving replica died; see {rig.log_dir}; {where}"
            await rig.restart("budget")
            await assert_checked(rig, where)
            rig.faults["replica killed between commit and ack, the other took over"] += 1
    finally:
        survivor.stop()


async def redeliveries_seen(rig: Rig, process: ServiceProcess) -> float:
    """ICB events the process's inbox found applied already: deliveries made again (the ICB's own resends come in
    envelopes of their own, so they are new to the inbox)."""
    text = (await rig.http.get(f"{process.url}/metrics")).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("sendpb_events_consumed_total{") and f'type="{ICB_EVENT}"' in line
               and 'outcome="duplicate"' in line)


async def all_applied(rig: Rig, burst) -> bool:
    return {m.message_id for m in burst} <= await applied_ids(rig.db["budget"], "budget", ICB_EVENT)


async def checker_inbox(rig: Rig, consumer: str) -> set[str]:
    return {r.event_id for r in await rows(rig.db[consumer], "SELECT event_id FROM inbox WHERE consumer = :c",
                                           c=consumer)}


async def test_a_relay_killed_between_publish_and_mark_publishes_again_and_each_event_applies_once(rig: Rig):
    for round_ in range(ROUNDS):
        rng, where = rng_for("kill-after-publish", round_), replay("kill-after-publish", round_)
        victim = ("payments", "budget")[round_ % 2]
        if victim == "payments":  # its relay publishing payments.payment_issued.v1 of a payment run
            await signed_direct_payments(rig, rng, rng.randint(2, 3))
            kill_at = 1  # a run may well be relayed in one batch
            await rig.restart("payments", kill_after_publish=kill_at)
            await rig.post_run()
        else:  # its relay publishing budget.agreed.v1 as budgets are agreed
            budgets = [await rig.open_budget(child(), TODAY) for _ in range(rng.randint(3, 5))]
            kill_at = rng.randint(1, len(budgets))
            await rig.restart("budget", kill_after_publish=kill_at)
            await agree_until_killed(rig, budgets, rng)
        assert await rig.killed(victim), f"{victim} did not kill itself after relaying batch {kill_at}; {where}"
        unmarked = await rig.unmarked(victim)
        published_unmarked = await delivered(rig, unmarked)
        assert published_unmarked, f"the kill left no event published and unmarked ({unmarked}); {where}"
        await rig.restart(victim)
        if victim == "budget":
            await agree_until_killed(rig, budgets, rng)
        again = await delivered(rig, published_unmarked, copies=2)
        assert again == published_unmarked, f"not published again after the restart: {published_unmarked - again}"
        await rig.run_to_the_end()
        await assert_checked(rig, where)
        rig.faults["relay killed between publish and mark"] += 1


async def agree_until_killed(rig: Rig, budgets: list[str], rng) -> None:
    """Agree the budgets not agreed yet, until the budget process dies under us."""
    for budget_id in budgets:
        if not rig.procs["budget"].running:
            return
        try:
            await rig.agree(budget_id, amount(rng))
        except Exception:  # noqa: BLE001 - the process killed itself in the middle of a request
            if await rig.procs["budget"].exited(timeout=5) is None:
                raise
            return


async def delivered(rig: Rig, event_ids: set[str], *, copies: int = 1, timeout: float = 30) -> set[str]:
    """Those of ``event_ids`` the broker has delivered at least ``copies`` times, once deliveries stop coming."""
    deadline, seen = asyncio.get_running_loop().time() + timeout, set()
    while asyncio.get_running_loop().time() < deadline:
        before, seen = seen, {e for e in event_ids if rig.tap.copies[e] >= copies}
        if seen == event_ids or (seen and seen == before):
            return seen
        await asyncio.sleep(0.5)
    return seen
