"""Lean ASGI middlewares: request id in and out, request metrics, one access-log line; a cap on request bodies; a
cap on requests in progress (admission control)."""
from __future__ import annotations

import json
import logging
import os
import time

from kit.logs import correlation_id, loggable_path, request_id
from kit.metrics import HTTP_REQUESTS, REQUESTS_SHED, UNMATCHED, LatencyByRoute

access = logging.getLogger("sendpb.access")
REQUEST_ID = b"x-request-id"
# A service names the route template that answered in this response header; the gateway takes it for its own
# metrics and spans and removes it before the caller sees the response.
ROUTE = b"x-sendpb-route"
MAX_BODY_BYTES = 1024 * 1024  # the default cap on a request body, in the gateway and every service


async def read_body(receive) -> bytes:
    """The whole body of an ASGI HTTP request, however many messages it came in."""
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return bytes(body)


class BodyTooLarge(Exception):
    """Raised by a capped ``receive`` once the body has passed the cap (the 413 has been sent by then)."""


class BodyLimit:
    """Refuses a request body over ``max_bytes`` with 413 problem+json before reading it: at once from its
    Content-Length, or, for a chunked body, as soon as the bytes received pass the cap. The app then sees
    ``BodyTooLarge`` from ``receive``; whatever it answers after that is dropped."""

    def __init__(self, app, *, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None:
            if not declared.isdigit():
                return await send_problem(send, 400, "bad-request", "Bad request",
                                          "the Content-Length header is not a number")
            if int(declared) > self.max_bytes:
                return await self._refuse(send)
        received, refused, started = 0, False, False

        async def capped_receive():
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if not started and not refused:
                        refused = True
                        await self._refuse(send)
                    raise BodyTooLarge(f"request body over {self.max_bytes} bytes")
            return message

        async def guarded_send(message):
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, capped_receive, guarded_send)
        except Exception:
            if not refused:  # the app's own failure, not the refused body's aftermath
                raise

    async def _refuse(self, send) -> None:
        await send_problem(send, 413, "payload-too-large", "Request body too large",
                           f"request bodies are limited to {self.max_bytes} bytes")


class AdmissionLimit:
    """Admits at most ``limit`` requests in progress at once; one more is answered at once with 503 problem+json
    and ``Retry-After`` without reaching the app (issue 21). A CPU-starved process that took every request would
    work on all of them at once and answer none in time; shed early, the caller hears "busy" and retries. The
    ``exempt`` paths (health, readiness, metrics) are never shed and are not counted."""

    def __init__(self, app, *, service: str, limit: int, exempt: frozenset[str] = frozenset(),
                 retry_after: int = 1) -> None:
        self.app, self.limit, self.exempt, self.retry_after = app, limit, exempt, retry_after
        self.shed = REQUESTS_SHED.labels(service)
        self.in_progress = 0

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            return await self.app(scope, receive, send)
        if self.in_progress >= self.limit:
            self.shed.inc()
            return await send_problem(send, 503, "overloaded", "Service overloaded",
                                      f"this service has {self.limit} requests in progress, its limit "
                                      "(SENDPB_MAX_REQUESTS_IN_FLIGHT); try again shortly",
                                      [(b"retry-after", str(self.retry_after).encode())])
        self.in_progress += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_progress -= 1


async def send_problem(send, status: int, slug: str, title: str, detail: str,
                       headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Answer with RFC 9457 problem+json straight on the ASGI channel (for middlewares, which have no FastAPI)."""
    body = json.dumps({"type": f"https://sendpb.org/problems/{slug}", "title": title, "status": status,
                       "detail": detail}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
        *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def incoming_request_id(scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID and 0 < len(value) <= 128:
            return value.decode("latin-1")
    return os.urandom(16).hex()


def route_template(scope) -> str:
    """The template of the route that took the request (``/v1/budgets/{budget_id}``), once routing has run."""
    fastapi = scope.get("fastapi")
    context = fastapi.get("effective_route_context") if isinstance(fastapi, dict) else None
    template = getattr(context, "path_format", None) or getattr(scope.get("route"), "path_format", None)
    return template or UNMATCHED


class RequestContext:
    def __init__(self, app, *, service: str) -> None:
        self.app, self.service = app, service
        self.latency = LatencyByRoute(service)

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
                message["headers"] = [*message["headers"], (REQUEST_ID, rid.encode("latin-1")),
                                      (ROUTE, route_template(scope).encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            self.latency.observe(scope["method"], route_template(scope), status, elapsed)
            HTTP_REQUESTS.labels(self.service, scope["method"], str(status)).inc()
            if access.isEnabledFor(logging.INFO):
                path = loggable_path(scope["path"])
                access.info("%s %s %d", scope["method"], path, status, extra={
                    "service": self.service, "method": scope["method"], "path": path,
                    "status": status, "duration_ms": round(elapsed * 1000, 2)})
            request_id.reset(token)
            correlation_id.reset(ctoken)
