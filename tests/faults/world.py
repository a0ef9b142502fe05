"""What the fault loops do to the services: children with budgets, bursts of ICB events, signed direct
payments; and the checker's verdict as an assertion."""
from __future__ import annotations

import asyncio
import random
import uuid
from datetime import date, timedelta

from kit.bus import Outgoing
from tests.faults.rig import Rig

TODAY = date.today()


def child() -> str:
    return f"C-{uuid.uuid4().hex[:10]}"


def amount(rng: random.Random) -> int:
    return 130_000 + rng.randint(0, 99) * 13


async def funded_children(rig: Rig, rng: random.Random, n: int) -> list[str]:
    """``n`` children, all but one with an open budget (the last one's ICB events are held, BUD-07)."""
    children = [child() for _ in range(n)]
    for c in children[: max(1, n - 1)]:
        await rig.open_budget(c, TODAY - timedelta(days=rng.randint(0, 200)))
    return children


def icb_burst(rig: Rig, rng: random.Random, *, children: list[str], events: int) -> list[Outgoing]:
    """``events`` ICB events over the children, in no particular order of effective date, and a tenth of them
    sent again by the ICB (the same ICB event id in a new envelope). Every event has an amount of its own, so
    every applied event moves money."""
    burst = []
    for n in range(events):
        burst.append(rig.icb_event(rng.choice(children), 100_000 + 37 * len(rig.icb) + n,
                                   TODAY - timedelta(days=rng.randint(0, 300))))
    for original in rng.sample(burst, k=max(1, events // 10)):
        payload = rig.icb[original.message_id]
        burst.append(rig.icb_event(payload["child_id"], payload["annual_amount_pence"],
                                   date.fromisoformat(payload["effective_from"]), event_id=payload["event_id"]))
    rng.shuffle(burst)
    return burst


async def trickle(rig: Rig, messages: list[Outgoing], rng: random.Random, *, pause: float = 0.01) -> None:
    """Publish the messages one by one, a moment apart, as an ICB system does through the day: the consumer is
    always part way through something when a fault strikes."""
    for message in messages:
        await rig.publish([message])
        await asyncio.sleep(rng.uniform(0, pause))


async def signed_direct_payments(rig: Rig, rng: random.Random, n: int) -> list[str]:
    """``n`` budgets agreed with a direct payment whose agreement is signed; started months ago, so a run
    owes each of them several instalments (arrears, PAY-04)."""
    agreements = []
    for _ in range(n):
        start = TODAY - timedelta(days=rng.randint(150, 330))
        agreements.append(await rig.sign_agreement(await rig.agreed_budget(child(), start, amount(rng))))
    return agreements


async def assert_checked(rig: Rig, where: str) -> None:
    problems = await rig.check()
    assert not problems, f"{where}:\n  " + "\n  ".join(problems)
