"""kill -9, round after round: a consumer process between its commit and its ack, a producer process between its
outbox relay's publish and its mark, and the payments process in the middle of a payment run. Either way the work
is done again after the restart (a run is taken over and completed, with no new POST), and the checker finds every
change in effect exactly once."""
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
            run = await rig.post_run()
        else:  # its relay publishing budget.agreed.v1 as budgets are agreed
            budgets = [await rig.open_budget(child(), TODAY) for _ in range(rng.randint(3, 5))]
            kill_at = rng.randint(1, len(budgets))
            await rig.restart("budget", kill_after_publish=kill_at)
            await agree_until_killed(rig, budgets, rng)
        assert await rig.killed(victim), f"{victim} did not kill itself after relaying batch {kill_at}; {where}"
        if victim == "payments":
            rig.observed[f"payment run {(await rig.run_rows())[run['id']].status!r} as its process was killed"] += 1
        unmarked = await rig.unmarked(victim)
        published_unmarked = await delivered(rig, unmarked)
        assert published_unmarked, f"the kill left no event published and unmarked ({unmarked}); {where}"
        await rig.restart(victim)
        if victim == "budget":
            await agree_until_killed(rig, budgets, rng)
        again = await delivered(rig, published_unmarked, copies=2)
        assert again == published_unmarked, f"not published again after the restart: {published_unmarked - again}"
        if victim == "payments":  # the run its process died under completes by itself
            await completed_without_a_new_post(rig, run["id"], where)
        else:
            await rig.run_to_the_end()
        await assert_checked(rig, where)
        rig.faults["relay killed between publish and mark"] += 1


async def test_a_payments_process_killed_in_the_middle_of_a_run_has_the_run_taken_over_and_completed(rig: Rig):
    """kill -9 while a run is part way through: the run stays running until its lease runs out (2 s in the rig), then
    the restarted process takes it over (its job, at start or a moment later) and completes it. Nobody posts it
    again, and each instalment is paid once (PAY-04)."""
    for round_ in range(ROUNDS):
        rng, where = rng_for("kill-mid-run", round_), replay("kill-mid-run", round_)
        await signed_direct_payments(rig, rng, rng.randint(3, 5))
        await rig.restart("payments", env={"SENDPB_PAYMENTS_RUN_CHUNK_SIZE": "1"})  # many short chunks
        run, share = await rig.post_run(), rng.uniform(0.1, 0.6)
        while True:  # until the run has settled its share of the instalments due
            state = await rig.run_state(run["id"])
            settled, due = state["progress"]["instalments_settled"], state["progress"]["instalments_due"]
            if state["status"] != "running" or settled >= share * due > 0:
                break
            await asyncio.sleep(0.01)
        rig.kill("payments")
        cut = (await rig.run_rows())[run["id"]]
        assert cut.status == "running", f"the run was over before the kill ({state}); {where}"
        await rig.restart("payments")
        after = await completed_without_a_new_post(rig, run["id"], where)
        assert after.lease_owner != cut.lease_owner, f"the run was not taken over ({cut.lease_owner}); {where}"
        assert after.settled_count > cut.settled_count, f"the new process paid nothing; {where}"
        await assert_checked(rig, where)
        rig.faults["payments killed in the middle of a run, the run taken over"] += 1


async def completed_without_a_new_post(rig: Rig, run_id: str, where: str):
    """Wait for the run to complete by itself; no other run may have been recorded meanwhile. The run's row."""
    runs_before = set(await rig.run_rows())
    await rig.run_completed(run_id)
    after = await rig.run_rows()
    assert set(after) == runs_before, f"runs recorded meanwhile: {set(after) - runs_before}; {where}"
    return after[run_id]


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
