"""Pool-checkout benchmark (issue 21): the CPU one process spends per pooled transaction (checkout, ``SELECT 1``,
commit) with SQLAlchemy's ``pool_pre_ping`` (``BEGIN``, ``;``, ``ROLLBACK`` before each checkout: three round trips)
beside kit.db's check (``replace_if_closed``: asyncpg's ``is_closed()``, no round trip).

    .venv/bin/python bench/pool_checkout.py [--transactions 4000] [--tasks 8] [--rounds 3]

CPU time (``time.process_time``), not wall time, so the figure stays put on a machine shared with other work; the
two alternate within each round. If PostgreSQL is unreachable it says why and exits 0."""
from __future__ import annotations

import argparse
import asyncio
import time

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from kit.db import replace_if_closed
from kit.testing import RUN_ID, cleanup, ensure_database, postgres_reason

CHECKS = {"pre-ping (three round trips)": True, "is_closed() at checkout": False}


async def cpu_per_transaction(url: str, *, pre_ping: bool, transactions: int, tasks: int) -> tuple[float, float]:
    """(ms of this process's CPU per transaction, transactions per second) for ``tasks`` concurrent workers."""
    engine = create_async_engine(url, pool_size=4, max_overflow=0, pool_pre_ping=pre_ping)
    if not pre_ping:
        event.listen(engine.sync_engine, "checkout", replace_if_closed)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def worker(count: int) -> None:
        for _ in range(count):
            async with sessions() as session:
                await session.execute(text("SELECT 1"))
                await session.commit()

    try:
        await worker(100)  # warm up: connections open, statements prepared
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker(transactions // tasks) for _ in range(tasks)))
        done = transactions // tasks * tasks
        return (time.process_time() - cpu) / done * 1000, done / (time.perf_counter() - wall)
    finally:
        await engine.dispose()


async def main(args) -> int:
    if reason := await postgres_reason():
        print(f"pool-checkout benchmark skipped: {reason}")
        return 0
    url = await ensure_database(f"sendpb_bench_{RUN_ID}_pool")
    try:
        print(f"{args.transactions:,} transactions, {args.tasks} at a time, pool of 4:")
        for round_ in range(args.rounds):
            for name, pre_ping in CHECKS.items():
                ms, rate = await cpu_per_transaction(url, pre_ping=pre_ping, transactions=args.transactions,
                                                     tasks=args.tasks)
                print(f"  round {round_ + 1}  {name:32} {ms:.3f} ms CPU per transaction  {rate:7,.0f}/s")
    finally:
        await cleanup()
    return 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--transactions", type=int, default=4000)
    ap.add_argument("--tasks", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    raise SystemExit(asyncio.run(main(ap.parse_args())))
