"""``Idempotency-Key`` for POSTs that create or move money: the same key and body replays the first response,
the same key with another body is a 422. The key row is written in the same transaction as the change, so a
second concurrent request with the key waits for the first (PostgreSQL's unique index; SQLite's write lock)
and then replays its committed response."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.errors import Conflict, InvalidInput
from kit.events import utcnow
from kit.tables import idempotency_keys as keys

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=200,
           description="Repeat a request safely: the same key and body replays the first response."),
]


def to_json(content: Any) -> Any:
    """JSON-ready content; pydantic models take their own (compiled) serialiser rather than a generic walk."""
    if isinstance(content, BaseModel):
        return content.model_dump(mode="json")
    return jsonable_encoder(content)


def fingerprint(request: Request, body: Any) -> str:
    canonical = json.dumps(to_json(body), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.url.path}\n{canonical}".encode()).hexdigest()


async def idempotent(
    session: AsyncSession,
    *,
    request: Request,
    caller: Caller,
    key: str | None,
    body: Any,
    produce: Callable[[], Awaitable[tuple[int, Any]]],
) -> JSONResponse:
    """Run ``produce`` (returning status and body) once per (client, key); replay its response afterwards."""
    if key is None:
        status, content = await produce()
        return JSONResponse(to_json(content), status_code=status)
    digest = fingerprint(request, body)
    try:
        async with session.begin_nested():
            await session.execute(insert(keys).values(
                client_id=caller.client_id, key=key, request_hash=digest, created_at=utcnow()))
    except IntegrityError:
        row = (await session.execute(select(keys).where(keys.c.client_id == caller.client_id,
                                                        keys.c.key == key))).one()
        if row.request_hash != digest:
            raise InvalidInput(
                "Idempotency-Key was already used with a different request",
                errors=[{"field": "Idempotency-Key", "message": "reused with a different request body or path"}],
            ) from None
        if row.status_code is None:
            raise Conflict("a request with this Idempotency-Key is still in progress; retry shortly") from None
        return JSONResponse(json.loads(row.response_body), status_code=row.status_code,
                            headers={"Idempotent-Replayed": "true"})
    status, content = await produce()
    encoded = to_json(content)
    await session.execute(update(keys).where(keys.c.client_id == caller.client_id, keys.c.key == key)
                          .values(status_code=status, response_body=json.dumps(encoded)))
    return JSONResponse(encoded, status_code=status)
