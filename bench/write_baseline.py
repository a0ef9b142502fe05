"""The write API's baseline (issue 21): a minimal FastAPI + asyncpg endpoint that records an eligibility request the
way the service's tables hold one — the request row, a decision row and an outbox row, in one transaction — with
nothing else: no token check, no rules, no validation beyond JSON, no idempotency, no gateway.

    .venv/bin/python bench/write_baseline.py --dsn postgresql://postgres@127.0.0.1/db --port 8090

It writes into the eligibility service's own tables (run its migrations first), so both sides pay for the same
indexes. bench/write_api.py starts it and measures it beside the service."""
from __future__ import annotations

import argparse
import json
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime

import asyncpg
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

DECIDED = "eligibility.request_decided.v1"


def create_app(dsn: str, pool_size: int) -> FastAPI:
    state: dict[str, asyncpg.Pool] = {}

    @asynccontextmanager
    async def lifespan(_app):
        state["pool"] = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size)
        yield
        await state["pool"].close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/requests", status_code=201)
    async def record(request: Request) -> JSONResponse:
        body = await request.json()
        now = datetime.now(UTC)
        request_id, decision_id, event_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
        streams = {s: {"eligible": True, "reasons": []} for s in body["streams"]}
        arrangements = {a: {"allowed": True, "reasons": []} for a in body["arrangements"]}
        event = json.dumps({"type": DECIDED, "event_id": event_id, "payload": {
            "request_id": request_id, "decision_id": decision_id, "child_id": body["child_id"],
            "local_authority": body["local_authority"], "streams": streams}}).encode()
        async with state["pool"].acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO requests (id, local_authority, child_id, requested_on, requested_by, facts, "
                "recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                request_id, body["local_authority"], body["child_id"], date.fromisoformat(body["requested_on"]),
                body["requested_by"], json.dumps(body), "baseline", now)
            await conn.execute(
                "INSERT INTO decisions (id, request_id, local_authority, status, streams, arrangements, facts, "
                "rules_version, custody_rule, supersedes_decision_id, review_id, decided_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, $10)",
                decision_id, request_id, body["local_authority"], "eligible", json.dumps(streams),
                json.dumps(arrangements), json.dumps(body), "baseline", False, now)
            await conn.execute("INSERT INTO outbox (event_id, type, body, created_at) VALUES ($1, $2, $3, $4)",
                               event_id, DECIDED, event, now)
        return JSONResponse({"id": request_id, "decision_id": decision_id, "status": "eligible",
                             "streams": streams, "arrangements": arrangements}, status_code=201)

    return app


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pool-size", type=int, default=10, help="as the service's default pool (kit.db.Pool)")
    args = ap.parse_args()
    uvicorn.run(create_app(args.dsn, args.pool_size), host="127.0.0.1", port=args.port, log_level="warning",
                access_log=False, server_header=False)
