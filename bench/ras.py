"""RAS benchmark: scoring throughput through the service API, and calibration of a 100,000-assessment cohort.

    .venv/bin/python bench/ras.py [--backend auto|sqlite|postgres] [--requests 400] [--concurrency 1 8]
                                  [--cohort 100000]

In-process httpx ASGI client against the ras app (no network, no gateway): assessments/s (POST: scored,
                                                                                          stored,
with its outbox event) beside GET /healthz on the same app as the baseline, and their ratio, at each
concurrency. Then the cohort is bulk-inserted straight into the service's table (points and amounts from real
scoring of random answers; the explanation is left out of seeded rows, calibration never reads it) and
POST /calibrations is timed for ``cohort: null`` (every current assessment, median of 3) and for the same
cohort named by its 100,000 ids. ``auto`` runs SQLite, then PostgreSQL when it answers at SENDPB_BENCH_PG_DSN
(default postgresql://postgres@127.0.0.1:5432/postgres)."""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kit.auth import DEV_KID, TokenIssuer, dev_private_key_pem  # noqa: E402
from kit.bus.memory import MemoryBus  # noqa: E402
from kit.events import utcnow  # noqa: E402
from kit.settings import PlatformSettings  # noqa: E402
from services.ras.app import create_app  # noqa: E402
from services.ras.domain.definition import ModelDefinition  # noqa: E402
from services.ras.domain.scoring import score  # noqa: E402
from services.ras.models import POINT_COLUMNS, Assessment  # noqa: E402
from services.ras.service.examples import ecm_model  # noqa: E402

LA = "E06000060"
LEVELS = ("none", "some", "lots", "exceptional")
PG_DSN = os.environ.get("SENDPB_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
ISSUER = TokenIssuer(dev_private_key_pem(), kid=DEV_KID, issuer="sendpb-gateway", audience="sendpb")
HEADERS = {"Authorization": "Bearer " + ISSUER.issue(client_id="bench", scopes=["ras-admin", "casework"],
                                                      las=[LA])}
MONEY = {"education": 400_000_000_000, "health": 200_000_000_000, "social_care": 150_000_000_000}


def note(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def random_answers(rng: random.Random) -> dict[str, str]:
    return {q["id"]: rng.choice(LEVELS) for q in ecm_model(LA)["questions"]}


async def rate(client: httpx.AsyncClient, make_request, total: int, concurrency: int) -> float:
    """Requests per second for ``total`` requests with ``concurrency`` in flight."""
    queue = iter(range(total))

    async def worker() -> None:
        for i in queue:
            response = await make_request(client, i)
            assert response.status_code in (200, 201), response.text

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - started)


def seeded_row(model: dict, scored, i: int, now) -> dict:
    row = {"id": str(uuid.uuid4()), "local_authority": LA, "child_id": f"B-{i}", "model_id": model["id"],
           "model_version": model["version"], "supersedes_assessment_id": None,
           "indicative_pence": scored.indicative_pence,
           "total_indicative_pence": scored.total_indicative_pence,
           "referred_to_panel": scored.referred_to_panel, "referred_streams": scored.referred_streams,
           "answers": {}, "explanation": [], "conversions": {}, "created_by": "bench", "created_at": now}
    row.update({POINT_COLUMNS[stream]: p for stream, p in scored.points.items()})
    return row


async def seed(app, model: dict, n: int, rng: random.Random) -> float:
    """Bulk-insert ``n`` scored assessments on ``model`` through the service's ORM table; seconds taken."""
    definition = ModelDefinition.from_dict(model)
    patterns = [score(definition, random_answers(rng)) for _ in range(2_000)]
    now = utcnow()
    started = time.perf_counter()
    async with app.state.runtime.db.transaction() as session:
        for start in range(0, n, 5_000):
            rows = [seeded_row(model, patterns[i % len(patterns)], i, now) for i in range(start,
                                                                                          min(start + 5_000,
                                                                                              n))]
            await session.execute(insert(Assessment), rows)
    return time.perf_counter() - started


async def calibration_ms(client, model_id: str, cohort, runs: int) -> tuple[float, dict]:
    body = {"available_pence": MONEY, "contingency_percent": 7.5, "cohort": cohort}
    times, last = [], {}
    for _ in range(runs):
        started = time.perf_counter()
        response = await client.post(f"/v1/ras/models/{model_id}/calibrations", json=body, headers=HEADERS)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        last = response.json()
    return statistics.median(times) * 1000, last


async def cohort_ids(app, model_id: str) -> list[str]:
    async with app.state.runtime.db.sessions() as session:
        stmt = select(Assessment.id).where(Assessment.model_id == model_id)
        return list((await session.execute(stmt)).scalars())


async def throughput(client, args, rng: random.Random) -> list[dict]:
    rows = []
    for concurrency in args.concurrency:
        bodies = [{"child_id": f"C-{uuid.uuid4().hex[:8]}", "local_authority": LA,
                   "answers": random_answers(rng)} for _ in range(args.requests)]

        def post(c, i, bodies=bodies):
            return c.post("/v1/ras/assessments", json=bodies[i], headers=HEADERS)

        healthz = await rate(client, lambda c, i: c.get("/healthz"), args.requests * 2, concurrency)
        assess = await rate(client, post, args.requests, concurrency)
        note(f"concurrency {concurrency}: healthz {healthz:.0f}/s, assessments {assess:.0f}/s")
        rows.append({"concurrency": concurrency, "healthz": healthz, "assess": assess})
    return rows


async def run(backend: str, database_url: str | None, args) -> dict:
    note(f"{backend}: starting the ras service")
    platform = PlatformSettings(data_dir=Path(tempfile.mkdtemp(prefix="ras-bench-")), log_json=False,
                                relay_poll_seconds=0.2, database_url_template=database_url)
    app = create_app(platform, bus=MemoryBus(), manage_runtime=False)
    runtime = app.state.runtime
    await runtime.start()
    runtime.start_relay()
    rng = random.Random(2026)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            created = (await client.post("/v1/ras/models", json=ecm_model(LA), headers=HEADERS)).json()
            model = (await client.post(f"/v1/ras/models/{created['id']}/publish", headers=HEADERS)).json()
            await rate(client, lambda c, i: c.get("/healthz"), 50, 4)  # warm up
            rates = await throughput(client, args, rng)
            seconds = await seed(app, model, args.cohort, rng)
            note(f"{backend}: seeded {args.cohort:,} assessments in {seconds:.1f}s")
            all_ms, result = await calibration_ms(client, model["id"], None, 3)
            ids_ms, _ = await calibration_ms(client, model["id"], await cohort_ids(app, model["id"]), 1)
            note(f"{backend}: calibration {all_ms:.0f} ms (cohort null), {ids_ms:.0f} ms (ids)")
            return {"backend": backend, "rates": rates, "seed": seconds, "size": result["cohort_size"],
                    "all_ms": all_ms, "ids_ms": ids_ms}
    finally:
        await runtime.stop()


async def postgres_database() -> tuple[str | None, str | None]:
    """A fresh database for this run, or (None, why not)."""
    try:
        import asyncpg

        conn = await asyncpg.connect(PG_DSN, timeout=3)
    except Exception as exc:  # noqa: BLE001 - report and carry on with SQLite
        return None, f"{type(exc).__name__}: {exc}"
    name = f"sendpb_bench_ras_{uuid.uuid4().hex[:10]}"
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return name, None


async def drop_database(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_DSN, timeout=3)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


def report(rows: list[dict], args) -> None:
    print(f"\nRAS service, in-process ASGI client, {args.requests} assessments per row, example ECM model "
          "(17 questions, 3 streams)")
    header = ("backend", "concurrency", "healthz/s", "assessments/s", "ratio")
    print(" | ".join(f"{h:>13}" for h in header))
    for r in rows:
        for t in r["rates"]:
            cells = (r["backend"], t["concurrency"], f"{t['healthz']:.0f}", f"{t['assess']:.0f}",
                     f"{t['assess'] / t['healthz']:.2f}")
            print(" | ".join(f"{c:>13}" for c in cells))
    print("\nCalibration (RAS-07), POST /v1/ras/models/{id}/calibrations, three streams")
    header = ("backend", "cohort", "seed s", "null ms", "by ids ms")
    print(" | ".join(f"{h:>13}" for h in header))
    for r in rows:
        cells = (r["backend"], f"{r['size']:,}", f"{r['seed']:.1f}", f"{r['all_ms']:.0f}",
                 f"{r['ids_ms']:.0f}")
        print(" | ".join(f"{c:>13}" for c in cells))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("auto", "sqlite", "postgres"), default="auto")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--cohort", type=int, default=100_000)
    args = parser.parse_args()
    rows = []
    if args.backend in ("auto", "sqlite"):
        rows.append(await run("sqlite", None, args))
    if args.backend in ("auto", "postgres"):
        name, why = await postgres_database()
        if name is None:
            note(f"PostgreSQL skipped: {why}")
        else:
            try:
                url = PG_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name
                rows.append(await run("postgresql", url, args))
            finally:
                await drop_database(name)
    report(rows, args)


if __name__ == "__main__":
    asyncio.run(main())
