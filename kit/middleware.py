"""A lean ASGI middleware: request id in and out, request metrics, one access-log line."""
from __future__ import annotations

import logging
import os
import time

from kit.logs import correlation_id, request_id
from kit.metrics import HTTP_LATENCY, HTTP_REQUESTS

access = logging.getLogger("sendpb.access")
REQUEST_ID = b"x-request-id"


async def read_body(receive) -> bytes:
    """The whole body of an ASGI HTTP request, however many messages it came in."""
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return bytes(body)


def incoming_request_id(scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID and 0 < len(value) <= 128:
            return value.decode("latin-1")
    return os.urandom(16).hex()


class RequestContext:
    def __init__(self, app, *, service: str) -> None:
        self.app, self.service = app, service
        self.latency = HTTP_LATENCY.labels(service)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rid = incoming_request_id(scope)
        token, ctoken = request_id.set(rid), correlation_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (REQUEST_ID, rid.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            self.latency.observe(elapsed)
            HTTP_REQUESTS.labels(self.service, scope["method"], str(status)).inc()
            if access.isEnabledFor(logging.INFO):
                access.info("%s %s %d", scope["method"], scope["path"], status, extra={
                    "service": self.service, "method": scope["method"], "path": scope["path"],
                    "status": status, "duration_ms": round(elapsed * 1000, 2)})
            request_id.reset(token)
            correlation_id.reset(ctoken)
