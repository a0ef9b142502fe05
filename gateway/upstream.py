"""Where the gateway sends a request: a service in this process (embedded mode) or one over HTTP (aiohttp, one
pooled keep-alive session per upstream; bench/gateway.py measures it against the service direct and nginx).
Over HTTP at most ``connections`` requests per service are in flight; one more is shed at once with 503 and
Retry-After rather than queued behind them (SENDPB_GATEWAY_UPSTREAM_CONNECTIONS; docs/OPERATIONS.md, "Sizing")."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from kit import tracing
from kit.middleware import read_body

HOP_BY_HOP = {b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te", b"trailers",
              b"transfer-encoding", b"upgrade", b"host", b"content-length"}


_background: set[asyncio.Task] = set()


class UpstreamError(Exception):
    def __init__(self, status: int, kind: str, detail: str, *, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail, self.retry_after = status, kind, detail, retry_after


class InProcessUpstream:
    """Calls the service's ASGI app directly: no sockets, no copies."""

    def __init__(self, name: str, app: Any, *, timeout: float = 30.0) -> None:
        self.name, self.app, self.timeout = name, app, timeout

    async def forward(self, scope, receive, send) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                await self._call(scope, receive, send)
        except TimeoutError:
            raise UpstreamError(504, "timeout",
                                f"the {self.name} service did not answer within {self.timeout:g}s") from None

    async def _call(self, scope, receive, send) -> None:
        # The call returns only after the app's background tasks; the caller gets its answer when the body is sent.
        done = asyncio.Event()

        async def send_and_mark(message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        task = asyncio.create_task(self.app(scope, receive, send_and_mark))
        _background.add(task)
        task.add_done_callback(_background.discard)
        finished = asyncio.create_task(done.wait())
        try:
            await asyncio.wait({task, finished}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            if not done.is_set():  # timed out before answering: stop the work too
                task.cancel()
            raise
        finally:
            finished.cancel()
        if task.done():
            task.result()  # re-raise what the app raised before answering

    async def get_json(self, path: str) -> tuple[int, Any]:
        import httpx

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://svc") as c:
            r = await c.get(path)
            return r.status_code, r.json()

    async def close(self) -> None:
        return None


class HttpUpstream:
    def __init__(self, name: str, base_url: str, *, timeout: float, connections: int) -> None:
        self.name, self.base_url = name, base_url.rstrip("/")
        self.timeout = timeout
        self._connections = connections
        self.in_flight = 0
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._connections, keepalive_timeout=60, ttl_dns_cache=300)
            timeout = aiohttp.ClientTimeout(total=self.timeout, connect=min(5.0, self.timeout))
            self._session = aiohttp.ClientSession(connector=connector, timeout=timeout,
                                                  auto_decompress=False, skip_auto_headers=("User-Agent",),
                                                  trace_configs=tracing.aiohttp_trace_configs())
        return self._session

    async def forward(self, scope, receive, send) -> None:
        if self.in_flight >= self._connections:
            raise UpstreamError(503, "overloaded", f"the {self.name} service has {self._connections} requests in "
                                "flight through this gateway, its limit; try again shortly", retry_after=1)
        self.in_flight += 1
        try:
            await self._forward(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _forward(self, scope, receive, send) -> None:
        body = await read_body(receive)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"] if k not in HOP_BY_HOP]
        url = self.base_url + scope["raw_path"].decode("latin-1")
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        try:
            async with self._client().request(scope["method"], url, headers=headers, data=body,
                                              allow_redirects=False) as resp:
                payload = await resp.read()
                out = [(k.lower(), v) for k, v in resp.raw_headers if k.lower() not in HOP_BY_HOP]
        except TimeoutError as exc:
            raise UpstreamError(504, "timeout", f"the {self.name} service did not answer in time") from exc
        except aiohttp.ClientConnectorError as exc:
            raise UpstreamError(503, "unreachable", f"the {self.name} service is unreachable") from exc
        except aiohttp.ClientError as exc:
            raise UpstreamError(502, "bad-gateway", f"the {self.name} service failed: {type(exc).__name__}") from exc
        out.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": resp.status, "headers": out})
        await send({"type": "http.response.body", "body": payload})

    async def get_json(self, path: str) -> tuple[int, Any]:
        try:
            async with self._client().get(self.base_url + path) as resp:
                return resp.status, json.loads(await resp.read())
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise UpstreamError(503, "unreachable", f"the {self.name} service is unreachable: {exc}") from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
