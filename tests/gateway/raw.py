"""Requests exactly as sent: HTTP clients resolve '..' and re-encode paths before sending, so these tests call the
gateway's ASGI app with a hand-built scope (what uvicorn passes on for a request line written by an attacker), and
serve real services over HTTP with uvicorn."""
from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import uvicorn


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    received: int = 0            # request body bytes the app pulled from receive()
    messages: list[dict] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body)


async def call(app, method: str, raw_path: str, *, headers: Iterable[tuple[str, str]] = (), body: bytes = b"",
               chunks: Iterable[bytes] | None = None, client: tuple[str, int] = ("127.0.0.1", 50000)) -> Reply:
    """One request to an ASGI app; ``raw_path`` goes in as written (the decoded ``path`` as uvicorn decodes it).
    ``chunks`` sends the body in pieces with no Content-Length (chunked), pulled only as the app reads."""
    path, _, query = raw_path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": unquote(path), "raw_path": path.encode("latin-1"),
             "query_string": query.encode("latin-1"), "root_path": "", "client": client,
             "server": ("127.0.0.1", 8000),
             "headers": [(b"host", b"gateway"), *((k.lower().encode(), v.encode()) for k, v in headers)]}
    if chunks is None:
        if body:
            scope["headers"].append((b"content-length", str(len(body)).encode()))
        pieces = iter([body])
    else:
        scope["headers"].append((b"transfer-encoding", b"chunked"))
        pieces = iter(chunks)
    reply = Reply(0, {}, b"")
    pending = next(pieces, b"")

    async def receive():
        nonlocal pending
        if pending is None:
            await asyncio.sleep(3600)  # the app waits for a disconnect that never comes
        piece, pending = pending, next(pieces, None)
        reply.received += len(piece)
        return {"type": "http.request", "body": piece, "more_body": pending is not None}

    async def send(message):
        reply.messages.append(message)
        if message["type"] == "http.response.start":
            reply.status = message["status"]
            reply.headers = {k.decode(): v.decode() for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            reply.body += message.get("body", b"")

    await asyncio.wait_for(app(scope, receive, send), 30)
    return reply


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def served(app) -> AsyncIterator[str]:
    """An ASGI app served over HTTP by uvicorn in this event loop; its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(300):
            if server.started:
                break
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
