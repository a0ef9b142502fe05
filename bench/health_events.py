"""ICB health-funding events benchmark (issues 5 and 21): the budget service on PostgreSQL + RabbitMQ.

.venv/bin/python bench/health_events.py [--events 5000] [--children 1000] [--replicas 1] [--loop uvloop] [--quick]

Prints (1) raw: N persistent messages published with publisher confirms and consumed the way the service consumes
(``basic_consume`` on the AMQP channel, deliveries taken in lots, one ``multiple`` ack per lot), end to end, the
clock stopping at the last ack; (2) the budget service: N ``icb.health_funding.changed.v1`` events published the
same way and applied end to end (consume → health-funding ledger posting + outbox event → commit → ack) against
pre-opened budgets, the clock stopping when the ack of the last one is sent; their ratio (target ≥ 0.6× raw); and
(3) latency from each event's ``occurred_at`` to its ack, at about half the measured service rate (p50/p99). Uses
a database and a RabbitMQ vhost of its own (per run), removed at the end. If PostgreSQL or RabbitMQ is unreachable
it says why and exits 0.

``--replicas 2`` also runs the same measurements with two budget-service processes sharing the queue (the
distributed deployment scales consumers out; the outbox relay and the per-CYP row lock make that safe); then
completion is read from the database (rows recorded) and latency ends at ``applied_at``, stamped in the
committing transaction (the other processes' acks cannot be seen from here).

Everything runs on one event loop, uvloop by default because that is what ``sendpb serve`` runs the service on
(uvicorn picks it when installed); ``--loop asyncio`` measures both sides on the standard library's loop."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aio_pika  # noqa: E402
import uvloop  # noqa: E402
from aio_pika import DeliveryMode, ExchangeType, Message  # noqa: E402
from sqlalchemy import text  # noqa: E402

from kit.events import EXCHANGE, Envelope, utcnow  # noqa: E402
from kit.settings import PlatformSettings  # noqa: E402
from kit.testing import AMQP_BASE, cleanup, ensure_database, postgres_reason, rabbit_url  # noqa: E402
from services.budget.app import create_app  # noqa: E402
from services.budget.service import opening  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import run_suffix, verdict  # noqa: E402

LA = "E06000060"
EVENT = "icb.health_funding.changed.v1"
# Budgets open today and each child's events fall on the following days, one a day: an ICB change may be announced
# at most two years ahead (BUD-07), which a fixed date would one day pass.
START = date.today()


async def reachable() -> str | None:
    reason = await postgres_reason()
    if reason:
        return reason
    try:
        conn = await aio_pika.connect(AMQP_BASE, timeout=3)
        await conn.close()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"RabbitMQ unreachable at {AMQP_BASE}: {type(exc).__name__}: {exc}"
    return None


def events(n: int, children: list[str], offset: int = 0) -> list[bytes]:
    """N events over the children in turn, each later-effective than the child's previous one (so each applies)."""
    out = []
    for i in range(offset, offset + n):
        effective = START + timedelta(days=i // len(children))
        payload = {"event_id": str(uuid.uuid4()), "child_id": children[i % len(children)], "local_authority": LA,
                   "annual_amount_pence": 100_000 + i, "effective_from": effective.isoformat(),
                   "reason": "ICB review of continuing care"}
        out.append(Envelope(type=EVENT, producer="icb", local_authority=LA, payload=payload).to_bytes())
    return out


async def publish_all(exchange, bodies: list[bytes], *, user_id: str, chunk: int = 500) -> None:
    """Publish as an ICB does, naming the broker user it connects as (``user_id``: budget applies ICB events only
    from a user allowed for their LA; the raw baseline sends the same properties)."""
    for k in range(0, len(bodies), chunk):
        await asyncio.gather(*(exchange.publish(
            Message(b, content_type="application/json", delivery_mode=DeliveryMode.PERSISTENT, user_id=user_id),
            routing_key=EVENT) for b in bodies[k:k + chunk]))


async def raw_rate(url: str, bodies: list[bytes], prefetch: int) -> float:
    """Publish with confirms and consume as the service does (kit.bus.rabbit: ``basic_consume`` straight on the
    AMQP channel, deliveries gathered into lots, each body parsed, one ``multiple`` ack per lot), with nothing
    applied: the floor any consumer on this broker starts from. The clock stops when the last ack is sent."""
    conn = await aio_pika.connect_robust(url)
    try:
        pub = await conn.channel(publisher_confirms=True)
        exchange = await pub.declare_exchange("bench.raw", ExchangeType.TOPIC, durable=True)
        sub = await conn.channel()
        await sub.set_qos(prefetch_count=prefetch)
        queue = await sub.declare_queue("bench.raw", durable=True)
        await queue.bind("bench.raw", routing_key=EVENT)
        pending: list = []
        arrived = asyncio.Event()

        async def put(message) -> None:
            pending.append(message)
            arrived.set()

        async def take() -> None:
            nonlocal pending
            done = 0
            while done < len(bodies):
                if not pending:
                    arrived.clear()
                    await arrived.wait()
                    await asyncio.sleep(0.002)  # as kit.bus.rabbit lets the rest of a burst arrive
                lot, pending = pending, []
                for message in lot:
                    json.loads(message.body)
                await lot[-1].channel.basic_ack(lot[-1].delivery.delivery_tag, multiple=True)
                done += len(lot)

        await (await sub.get_underlay_channel()).basic_consume(queue.name, put)
        started = time.perf_counter()
        taker = asyncio.create_task(take())
        await publish_all(exchange, bodies, user_id=conn.url.user)
        await taker
        return len(bodies) / (time.perf_counter() - started)
    finally:
        await conn.close()


class Timed:
    """Records when each event was acknowledged: its lot applied and committed, then the ``multiple`` ack sent."""

    def __init__(self) -> None:
        self.acked: dict[str, float] = {}
        self.target, self.finished = 0, asyncio.Event()

    def wrap(self, bus) -> None:
        settle = bus._settle  # kit.bus.rabbit: applies a lot, then acknowledges it

        async def timed_settle(consumer, handler, messages):
            await settle(consumer, handler, messages)
            self.stamp(messages)

        bus._settle = timed_settle

    def stamp(self, messages) -> None:
        now = time.time()
        for message in messages:
            self.acked[json.loads(message.body)["event_id"]] = now
        if len(self.acked) >= self.target:
            self.finished.set()

    def expect(self, n: int) -> None:
        self.acked.clear()
        self.target = n
        self.finished.clear()


async def service_rate(runtime, url: str, bodies: list[bytes], timed: Timed) -> float:
    conn = await aio_pika.connect_robust(url)
    try:
        channel = await conn.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(EXCHANGE, ExchangeType.TOPIC, durable=True)
        timed.expect(len(bodies))
        started = time.perf_counter()
        await publish_all(exchange, bodies, user_id=conn.url.user)
        await timed.finished.wait()
        return len(bodies) / (time.perf_counter() - started)
    finally:
        await conn.close()


async def paced_latency(url: str, bodies: list[bytes], rate: float, timed: Timed) -> list[float]:
    """Publish at ``rate`` events/s, each stamped when published; latency = occurred_at → ack."""
    conn = await aio_pika.connect_robust(url)
    try:
        channel = await conn.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(EXCHANGE, ExchangeType.TOPIC, durable=True)
        timed.expect(len(bodies))
        tick, per_tick = 0.02, max(1, round(rate * 0.02))
        occurred: dict[str, float] = {}
        started = time.perf_counter()
        for k in range(0, len(bodies), per_tick):
            batch = []
            for body in bodies[k:k + per_tick]:
                env = Envelope.from_bytes(body).model_copy(update={"occurred_at": utcnow()})
                occurred[str(env.event_id)] = env.occurred_at.timestamp()
                batch.append(env.to_bytes())
            await publish_all(exchange, batch, user_id=conn.url.user)
            await asyncio.sleep(max(0.0, started + (k // per_tick + 1) * tick - time.perf_counter()))
        await timed.finished.wait()
        return sorted(timed.acked[e] - occurred[e] for e in occurred)
    finally:
        await conn.close()


async def open_budgets(runtime, children: list[str]) -> None:
    for k in range(0, len(children), 200):
        async with runtime.db.transaction() as session:
            for child in children[k:k + 200]:
                await opening.open_budget(session, la=LA, child_id=child, plan_reference=f"EHCP-{child}",
                                          period=(START, START + timedelta(days=364)), indicative_pence={})


class Recorded:
    """Completion and latency read from the database, for several service processes at once."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime

    async def count(self) -> int:
        async with self.runtime.db.sessions() as session:
            return (await session.execute(text("SELECT count(*) FROM health_funding_events"))).scalar_one()

    async def wait_for(self, target: int) -> None:
        while await self.count() < target:  # noqa: ASYNC110 - other processes commit; polling is the signal
            await asyncio.sleep(0.02)

    async def applied_at(self, event_ids: list[str]) -> dict[str, float]:
        async with self.runtime.db.sessions() as session:
            rows = await session.execute(text("SELECT event_id, applied_at FROM health_funding_events "
                                              "WHERE event_id = ANY(:ids)"), {"ids": event_ids})
            return {r.event_id: r.applied_at.timestamp() for r in rows}


async def scaled_out(url: str, bodies: list[bytes], latency_bodies: list[bytes],
                     recorded: Recorded) -> tuple[float, list[float]]:
    conn = await aio_pika.connect_robust(url)
    try:
        channel = await conn.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(EXCHANGE, ExchangeType.TOPIC, durable=True)
        base = await recorded.count()
        started = time.perf_counter()
        await publish_all(exchange, bodies, user_id=conn.url.user)
        await recorded.wait_for(base + len(bodies))
        rate = len(bodies) / (time.perf_counter() - started)
        per_tick, tick = max(1, round(rate / 2 * 0.02)), 0.02
        occurred: dict[str, float] = {}
        base, started = await recorded.count(), time.perf_counter()
        for k in range(0, len(latency_bodies), per_tick):
            batch = []
            for body in latency_bodies[k:k + per_tick]:
                env = Envelope.from_bytes(body).model_copy(update={"occurred_at": utcnow()})
                occurred[env.payload["event_id"]] = env.occurred_at.timestamp()
                batch.append(env.to_bytes())
            await publish_all(exchange, batch, user_id=conn.url.user)
            await asyncio.sleep(max(0.0, started + (k // per_tick + 1) * tick - time.perf_counter()))
        await recorded.wait_for(base + len(latency_bodies))
        applied = await recorded.applied_at(list(occurred))
        return rate, sorted(applied[e] - occurred[e] for e in occurred)
    finally:
        await conn.close()


def start_replicas(k: int, platform: PlatformSettings, loop: str) -> list[subprocess.Popen]:
    env = {**os.environ, "SENDPB_MODE": "dev", "SENDPB_DATABASE_URL_TEMPLATE": platform.database_url_template,
           "SENDPB_AMQP_URL": platform.amqp_url, "SENDPB_LOG_JSON": "false", "SENDPB_LOG_LEVEL": "WARNING",
           "SENDPB_MIGRATE_ON_START": "false"}
    return [subprocess.Popen([sys.executable, __file__, "--serve", "--loop", loop], env=env, stdin=subprocess.PIPE)
            for _ in range(k)]


async def serve() -> None:
    """A budget-service replica for --replicas: runs until its stdin closes."""
    app = create_app(PlatformSettings(), manage_runtime=False)
    runtime = app.state.runtime
    await runtime.start()
    runtime.start_relay()
    try:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        await runtime.stop()


def pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


async def main(n: int, n_children: int, replicas: int = 1, loop: str = "uvloop") -> None:
    reason = await reachable()
    if reason:
        print(f"skipped: {reason}")
        return
    try:
        url = await rabbit_url()
    except BaseException as exc:  # noqa: BLE001 - kit.testing skips (a pytest outcome) when it cannot make a vhost
        print(f"skipped: {exc}")
        return
    try:
        db_url = await ensure_database(f"sendpb_bench_{run_suffix()}_budget")
        platform = PlatformSettings(mode="dev", database_url_template=db_url, amqp_url=url, log_json=False,
                                    log_level="WARNING")
        raw = await raw_rate(url, events(n, ["C-raw"]), platform.amqp_prefetch)
        print(f"prefetch {platform.amqp_prefetch}, group commits of up to {platform.consumer_batch_size}")
        print(f"raw publish(confirms) + basic_consume, multiple ack per lot: {n} messages, {raw:,.0f} msg/s")

        app = create_app(platform, manage_runtime=False)
        runtime = app.state.runtime
        timed = Timed()
        timed.wrap(runtime.bus)
        await runtime.start()
        runtime.start_relay()
        try:
            children = [f"C-bench-{uuid.uuid4().hex[:8]}" for _ in range(n_children)]
            await open_budgets(runtime, children)
            await service_rate(runtime, url, events(200, children, offset=0), timed)  # warm up
            rate = await service_rate(runtime, url, events(n, children, offset=200), timed)
            print(f"budget service, ICB event → ledger commit → ack: {n} events, {rate:,.0f} events/s")
            # An ack is sent for a dead letter too: the rate counts only if every event was applied.
            if (recorded := await Recorded(runtime).count()) != 200 + n:
                raise SystemExit(f"only {recorded} of {200 + n} ICB events were recorded: see the dead letters")
            print(verdict("ICB events applied vs raw publish + consume", rate, raw, "events/s", ">= 0.6x",
                          rate >= 0.6 * raw))
            paced = rate / 2
            lat = await paced_latency(url, events(min(n, max(500, int(paced * 5))), children, offset=200 + n),
                                      paced, timed)
            print(f"latency occurred_at → ack at {paced:,.0f} events/s ({len(lat)} events): "
                  f"p50 {pct(lat, 0.50):.1f} ms, p99 {pct(lat, 0.99):.1f} ms, max {lat[-1] * 1000:.1f} ms")
            if replicas > 1:
                procs = start_replicas(replicas - 1, platform, loop)
                try:
                    await asyncio.sleep(3)  # the replicas connect and start consuming
                    offset = 200 + n + len(lat)
                    rate, lat = await scaled_out(url, events(n, children, offset=offset),
                                                 events(len(lat), children, offset=offset + n),
                                                 Recorded(runtime))
                    print(f"{replicas} budget-service processes: {n} events, {rate:,.0f} events/s "
                          f"({rate / raw:.2f}x raw); latency occurred_at → applied_at at {rate / 2:,.0f} "
                          f"events/s: p50 {pct(lat, 0.50):.1f} ms, p99 {pct(lat, 0.99):.1f} ms")
                finally:
                    for proc in procs:
                        proc.stdin.close()
                    for proc in procs:
                        proc.wait(timeout=30)
        finally:
            await runtime.stop()
    finally:
        await cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--replicas", type=int, default=1, help="also measure with this many service processes")
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop",
                        help="the event loop of both the raw run and the service (sendpb serve runs on uvloop)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="500 events, 100 children: shows it works")
    args = parser.parse_args()
    if args.quick:
        args.events, args.children = 500, 100
    run = uvloop.run if args.loop == "uvloop" else asyncio.run
    if not args.serve:
        print(f"event loop: {args.loop}")
    run(serve() if args.serve else main(args.events, args.children, args.replicas, args.loop))
