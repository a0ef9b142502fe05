"""The gateway app: a lean ASGI router in front (token check, rate limit, request id, forwarding) and a small
FastAPI app behind it for /oauth/token, health, docs and the merged OpenAPI."""
from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, Response
from opentelemetry import trace
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.clients import DEV_SECRET, ClientRegistry, dev_clients, verify_secret
from gateway.clients import Client as OAuthClient
from gateway.openapi import document as openapi_document
from gateway.openapi import served as served_openapi
from gateway.paths import refusal
from gateway.public_pages import SignedLinkLimits
from gateway.ratelimit import Buckets, buckets
from gateway.settings import GatewaySettings
from gateway.token import TokenEndpoint
from gateway.upstream import UpstreamError
from kit import tracing
from kit.asyncapi import merge as merge_asyncapi
from kit.auth import TokenIssuer, dev_private_key_pem, refuse_dev_key, verifier_from
from kit.docs import docs_router
from kit.errors import AppError, install_error_handlers, problem
from kit.health import READINESS_TIMEOUT_SECONDS
from kit.logs import loggable_path, request_id
from kit.metrics import HTTP_REQUESTS, RATE_LIMITED, UNMATCHED, UPSTREAM_ERRORS, LatencyByRoute
from kit.middleware import (
    MAX_BODY_BYTES,
    REQUEST_ID,
    ROUTE,
    BodyLimit,
    BodyTooLarge,
    incoming_request_id,
    route_template,
)
from kit.oidc import Authenticator, ExternalIssuer
from kit.openapi import AccessToken, Alive, GatewayReady
from kit.settings import PlatformSettings

if TYPE_CHECKING:  # imported where a job is configured: httpx and the reconciliation stay out of an idle gateway
    from gateway.reconciliation import ReconciliationJob

log = logging.getLogger("sendpb.gateway")
access = logging.getLogger("sendpb.access")
TRACE_HEADERS = (b"traceparent", b"tracestate")
PUBLIC = ("healthz", "readyz")  # /v1/<prefix>/healthz and /readyz answer without a token
PUBLISHED = re.compile(r"budgets/local-offer/[^/]+")  # an LA's local offer (BUD-15): published, read without a token
# Pages a family opens from a signed link, without an account (issue 20): the link's signature is the credential,
# which the service checks; the gateway lets these paths (after /v1/) through without a bearer token.
SIGNED_LINKS = (re.compile(r"budgets/family/[A-Za-z0-9_.-]+(/review-requests|/disputes|/escalations)?"),
                re.compile(r"payments/family/[A-Za-z0-9_.-]+(/challenge)?"),
                re.compile(r"contracts/family/[A-Za-z0-9_.-]+"),
                re.compile(r"eligibility/family/[A-Za-z0-9_.-]+(/review)?"))


def _problem_bytes(status: int, slug: str, title: str, detail: str, **extra: Any) -> bytes:
    body = {"type": f"https://sendpb.org/problems/{slug}", "title": title, "status": status, "detail": detail}
    body.update(extra)
    return json.dumps(body).encode()


class _Exchange:
    """One request's response side: notes the status and makes sure the request id goes back to the caller."""

    __slots__ = ("_send", "rid", "status", "started", "client", "route", "_scope", "_span")

    def __init__(self, send, rid: bytes, scope, span) -> None:
        self._send, self.rid, self.status, self.started = send, rid, 500, False
        self.client: str | None = None  # the caller, once known: for the access log
        self.route: str | None = None  # the route template that answered: for the metrics
        self._scope, self._span = scope, span  # the request's server span, when tracing is on

    async def send(self, message) -> None:
        if message["type"] == "http.response.start":
            self.status, self.started = message["status"], True
            headers = message.get("headers") or []
            if any(name == ROUTE for name, _ in headers):  # the service's route template: ours, not the caller's
                self.route = next(v for name, v in headers if name == ROUTE).decode("latin-1")
                headers = [h for h in headers if h[0] != ROUTE]
            elif not self._scope["path"].startswith("/v1/"):
                self.route = route_template(self._scope)  # one of the gateway's own routes
            if self._span is not None:  # named by the route template, never the path (ids)
                route = self.route or UNMATCHED
                self._span.update_name(f"{self._scope['method']} {route}")
                self._span.set_attribute("http.route", route)
            if not any(name == REQUEST_ID for name, _ in headers):  # services echo it; problems from here do not
                headers = [*headers, (REQUEST_ID, self.rid)]
            message["headers"] = headers
        await self._send(message)


class Gateway:
    """The ASGI entry point."""

    signed_links: SignedLinkLimits | None = None  # rate limits of the signed-link pages (create_gateway sets them)

    def __init__(self, control: FastAPI, upstreams: dict[str, Any], *, authenticator: Authenticator,
                 limiter: Buckets, timeout: float, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.control, self.upstreams, self.limiter = control, upstreams, limiter
        self.authenticator, self.verifier = authenticator, authenticator.own
        self.timeout, self.max_body_bytes = timeout, max_body_bytes
        self.latency = LatencyByRoute("gateway")
        self._counters: dict[tuple[str, int], Any] = {}
        for upstream in upstreams.values():
            upstream.timeout = timeout
        self._traced = None  # a server span per request, continuing the caller's traceparent, when tracing is on
        if tracing.enabled():
            from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

            self._traced = OpenTelemetryMiddleware(self._handle, tracer_provider=tracing.provider(),
                                                   exclude_spans=["receive", "send"],
                                                   default_span_details=lambda scope: (scope["method"], {}))

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.control(scope, receive, send)
        if self._traced is not None:
            return await self._traced(scope, receive, send)
        return await self._handle(scope, receive, send)

    async def _handle(self, scope, receive, send) -> None:
        started = time.perf_counter()
        rid = incoming_request_id(scope)
        token = request_id.set(rid)
        exchange = _Exchange(send, rid.encode("latin-1"), scope,
                             trace.get_current_span() if self._traced is not None else None)
        state = scope.setdefault("state", {})  # the control app's request.state: /oauth/token notes its client

        async def route(scope, receive, send) -> None:
            if scope["path"].startswith("/v1/"):
                await self._route(scope, receive, send, exchange)
            else:
                await self.control(scope, receive, send)

        try:
            # Inside the exchange, so a 413 is what the exchange records and whatever follows it is dropped.
            await BodyLimit(route, max_bytes=self.max_body_bytes)(scope, receive, exchange.send)
        finally:
            elapsed = time.perf_counter() - started
            self.latency.observe(scope["method"], exchange.route or UNMATCHED, exchange.status, elapsed)

            key = (scope["method"], exchange.status)
            counter = self._counters.get(key)
            if counter is None:
                counter = self._counters[key] = HTTP_REQUESTS.labels("gateway", scope["method"], str(exchange.status))
            counter.inc()
            if access.isEnabledFor(logging.INFO):
                access_line(scope, exchange.status, elapsed, exchange.client or state.get("client_id"))
            request_id.reset(token)

    async def _route(self, scope, receive, send, exchange: _Exchange) -> None:
        refused = refusal(scope["path"], scope.get("raw_path"))
        if refused:
            return await self._reply(send, 400, "bad-path", "Path not allowed", refused)
        _, _, prefix, *rest = scope["path"].split("/", 3)
        upstream = self.upstreams.get(prefix)
        if upstream is None:
            return await self._reply(send, 404, "not-found", "Not found",
                                     f"no service at /v1/{prefix}; known: {', '.join(sorted(self.upstreams))}")
        exchange.route = f"/v1/{prefix}/{{path}}"  # until the service names its route (refused before, or failed)
        forwarded = None  # the gateway's own token standing for an external one (kit.oidc)
        signed = any(p.fullmatch(scope["path"][4:]) for p in SIGNED_LINKS)
        if signed and self.signed_links is not None and (send := await self.signed_links.admit(scope, send)) is None:
            return  # refused: 429
        if not (rest and (rest[0] in PUBLIC or PUBLISHED.fullmatch(f"{prefix}/{rest[0]}"))) and not signed:
            authorization = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
            scheme, _, credentials = authorization.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not credentials:
                return await self._reply(send, 401, "unauthorized", "Missing or invalid credentials",
                                         "a bearer token is required", www="Bearer")
            try:
                caller, forwarded = await self.authenticator.authenticate(credentials.strip())
            except AppError as exc:
                if exc.status == 503:  # an identity provider whose keys cannot be fetched
                    return await self._reply(send, 503, exc.slug, exc.title, exc.detail)
                return await self._reply(send, 401, "unauthorized", "Missing or invalid credentials", exc.detail,
                                         www='Bearer error="invalid_token"')
            exchange.client = caller.client_id
            allowed, retry_after = await self.limiter.take(caller.client_id)
            if not allowed:
                RATE_LIMITED.labels(caller.client_id).inc()
                return await self._reply(send, 429, "rate-limited", "Too many requests",
                                         f"client {caller.client_id} is over its rate limit",
                                         retry_after=max(1, round(retry_after)))
        headers = [h for h in scope["headers"] if h[0] != REQUEST_ID]
        headers.append((REQUEST_ID, exchange.rid))
        if self._traced is not None:  # the service continues this request's span, not the caller's
            headers = [h for h in headers if h[0] not in TRACE_HEADERS]
            headers.extend((k.encode("latin-1"), v.encode("latin-1")) for k, v in tracing.headers_for(
                trace.get_current_span()).items())
        if forwarded is not None:
            headers = [h for h in headers if h[0] != b"authorization"]
            headers.append((b"authorization", b"Bearer " + forwarded.encode()))
        try:
            await upstream.forward({**scope, "headers": headers}, receive, send)
        except BodyTooLarge:
            raise  # answered with 413 by BodyLimit
        except UpstreamError as exc:
            UPSTREAM_ERRORS.labels(prefix, exc.kind).inc()
            if exc.kind == "overloaded":  # shed load: counted, not logged line by line while it lasts
                return await self._reply(send, 503, exc.kind, "Service overloaded", exc.detail,
                                         retry_after=exc.retry_after)
            log.warning("upstream %s failed: %s", prefix, exc.detail)
            if not exchange.started:
                await self._reply(send, exc.status, exc.kind, "Upstream failure", exc.detail,
                                  retry_after=exc.retry_after)
        except Exception:  # noqa: BLE001 - never a stack trace to the caller
            UPSTREAM_ERRORS.labels(prefix, "error").inc()
            log.exception("upstream %s raised", prefix)
            if not exchange.started:
                await self._reply(send, 502, "bad-gateway", "Upstream failure", f"the {prefix} service failed")

    @staticmethod
    async def _reply(send, status: int, slug: str, title: str, detail: str, *, www: str | None = None,
                     retry_after: int | None = None) -> None:
        body = _problem_bytes(status, slug, title, detail)
        headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
        if www:
            headers.append((b"www-authenticate", www.encode()))
        if retry_after:
            headers.append((b"retry-after", str(retry_after).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def access_line(scope, status: int, elapsed: float, client: str | None) -> None:
    """One JSON line per request: never a header, query string or body (tokens, secrets and personal data travel
    there); the route is the path, which the gateway has checked is plain (or refused, and cut short)."""
    route = loggable_path(scope["path"])[:200]
    access.info("%s %s %d", scope["method"], route, status, extra={
        "service": "gateway", "method": scope["method"], "route": route, "status": status,
        "duration_ms": round(elapsed * 1000, 2), "client": client})


def _token_check(issuer: TokenIssuer, authenticator: Authenticator) -> str:
    """Whether a token the gateway signs passes the gateway's own check (keys loaded, issuer and audience agree)."""
    try:
        authenticator.own.verify(issuer.issue(client_id="readiness", scopes=[], las=[]))
        return "ok"
    except Exception as exc:  # noqa: BLE001 - readiness reports, it does not raise
        return f"unavailable: {type(exc).__name__}"


def issuer_from(platform: PlatformSettings, settings: GatewaySettings) -> TokenIssuer:
    if settings.jwt_private_key:
        key, kid = settings.jwt_private_key, settings.jwt_kid
        if not platform.dev:
            refuse_dev_key(key, setting="SENDPB_GATEWAY_JWT_PRIVATE_KEY")
    elif platform.dev:
        key, kid = dev_private_key_pem(), "dev-1"
    else:
        raise ValueError("SENDPB_GATEWAY_JWT_PRIVATE_KEY must be set outside dev mode")
    return TokenIssuer(key, kid=kid, issuer=platform.jwt_issuer, audience=platform.jwt_audience,
                       ttl_seconds=settings.token_ttl_seconds)


def registry_from(platform: PlatformSettings, settings: GatewaySettings) -> ClientRegistry:
    configured = [OAuthClient(c.client_id, c.secret_hash, tuple(c.scopes), tuple(c.las)) for c in settings.clients]
    if not platform.dev and not configured:
        raise ValueError("SENDPB_GATEWAY_CLIENTS must configure at least one client outside dev mode")
    if not platform.dev and (known := [c.client_id for c in configured if verify_secret(DEV_SECRET, c.secret_hash)]):
        raise ValueError(f"SENDPB_GATEWAY_CLIENTS: {', '.join(known)} use the dev secret, which is refused outside "
                         "dev mode")
    return ClientRegistry((dev_clients() if platform.dev else []) + configured)


def redis_from(settings: GatewaySettings):
    """The Redis client holding the rate limits, or None: it connects at its first command, not here."""
    if not settings.redis_url:
        return None
    from redis.asyncio import Redis

    timeout = settings.redis_timeout_seconds
    return Redis.from_url(settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout)


def create_gateway(platform: PlatformSettings, settings: GatewaySettings, upstreams: dict[str, Any], *,
                   lifespan: Callable[[], AbstractAsyncContextManager[None]] | None = None) -> Gateway:
    issuer = issuer_from(platform, settings)
    registry = registry_from(platform, settings)
    authenticator = Authenticator(verifier_from(platform), [ExternalIssuer(c) for c in platform.oidc_issuers],
                                  issuer)
    cache: dict[str, Any] = {}
    redis = redis_from(settings)
    limiter = buckets(settings.rate_limit_per_second, settings.rate_limit_burst, replicas=settings.replicas,
                      redis=redis, prefix=settings.redis_prefix + "rate:")
    window = settings.token_failure_window_seconds
    token_endpoint = TokenEndpoint(
        registry, issuer, trusted_proxies=settings.trusted_proxies,
        per_client=buckets(settings.token_failures_per_client / window, settings.token_failures_per_client,
                           replicas=settings.replicas, redis=redis, prefix=settings.redis_prefix + "token-failures:"),
        per_source=buckets(settings.token_failures_per_source / window, settings.token_failures_per_source,
                           replicas=settings.replicas, redis=redis, prefix=settings.redis_prefix + "token-failures:"))

    jobs: list[ReconciliationJob] = []

    @asynccontextmanager
    async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if lifespan is None:
            async with _reconciling(jobs):
                yield
        else:
            async with lifespan(), _reconciling(jobs):
                yield
        for upstream in upstreams.values():
            await upstream.close()
        if redis is not None:
            await redis.aclose()

    control = FastAPI(title="sendpb", version="1.0.0", lifespan=_lifespan, docs_url=None, redoc_url=None,
                      openapi_url=None, openapi_tags=[
                          {"name": "identity", "description": "OAuth2 client credentials: get a bearer token."},
                          {"name": "health", "description": "Liveness and readiness of the whole platform."}],
                      description="Personal budgets for children and young people with SEND. Get a token from "
                                  "POST /oauth/token, then call /v1/<service>/... with it.")
    install_error_handlers(control)

    @control.post("/oauth/token", tags=["identity"], summary="Get an access token (client credentials)",
                  operation_id="requestToken",
                  responses={200: {"model": AccessToken, "description": "The token"},
                             400: {"description": "RFC 6749 `invalid_request`, `unsupported_grant_type` or "
                                                  "`invalid_scope`, in problem+json"},
                             401: {"description": "`invalid_client`: unknown client or wrong secret"},
                             429: {"description": "too many failed requests for the client or from the address; "
                                                  "see Retry-After"}})
    async def token(
        request: Request,
        grant_type: Annotated[str | None, Form(description="client_credentials")] = None,
        client_id: Annotated[str | None, Form(description="unless sent with HTTP Basic")] = None,
        client_secret: Annotated[str | None, Form(description="unless sent with HTTP Basic")] = None,
        scope: Annotated[str | None, Form(description="space-separated; default: all of the client's")] = None,
    ) -> Response:
        """OAuth2 client credentials (RFC 6749 §4.4). Authenticate with HTTP Basic (client id and secret, each
        form-encoded) or with the form fields `client_id` and `client_secret`. Returns a JWT carrying the client,
        its scopes and its local authorities. Refusals carry the RFC's `error` code; repeated failures for one
        client or from one address are refused with 429 and Retry-After for a while."""
        return await token_endpoint(request)

    @control.get("/healthz", tags=["health"], response_model=Alive)
    async def healthz() -> dict:
        """The gateway is up."""
        return {"status": "ok"}

    @control.get("/readyz", tags=["health"], response_model=GatewayReady,
                 responses={503: {"model": GatewayReady, "description": "Not ready: it cannot check tokens or has "
                                                                       "no service to route to (`checks` says)"}})
    async def readyz() -> Response:
        """Ready when the gateway can serve: it can check tokens (one it signs passes its own check) and it has
        services to route to. Each service's readiness is reported in `services` (and those not ready in
        `degraded`) but one service down does not take the gateway, and so every other service, out."""
        checks = {"tokens": _token_check(issuer, authenticator),
                  "routing": "ok" if upstreams else "unavailable: no service to route to"}

        async def one(name, upstream):
            try:
                async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
                    status, body = await upstream.get_json("/readyz")
                return name, body if status == 200 else {**body, "status": "not ready"}
            except UpstreamError as exc:
                return name, {"status": "unreachable", "detail": exc.detail}
            except TimeoutError:
                return name, {"status": "unreachable",
                              "detail": f"no answer within {READINESS_TIMEOUT_SECONDS:g}s"}
        services = dict(await asyncio.gather(*(one(n, u) for n, u in upstreams.items())))
        ready = all(state == "ok" for state in checks.values())
        degraded = sorted(name for name, body in services.items() if body.get("status") != "ready")
        return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks, "services": services,
                             **({"degraded": degraded} if degraded else {})},
                            status_code=200 if ready else 503)

    @control.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @control.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        if "openapi" not in cache:
            docs = {}
            for name, upstream in upstreams.items():
                try:
                    status, doc = await upstream.get_json("/openapi.json")
                except UpstreamError as exc:
                    return problem(503, "unavailable", "Service unavailable",
                                   f"cannot build the merged OpenAPI: {exc.detail}")
                docs[name] = doc
            cache["openapi"] = openapi_document(control, docs)
        return JSONResponse(served_openapi(cache["openapi"], str(request.base_url)))

    @control.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi() -> JSONResponse:
        """Every event on the exchange: the services' AsyncAPI documents merged."""
        if "asyncapi" not in cache:
            docs = {}
            for name, upstream in upstreams.items():
                try:
                    _, docs[name] = await upstream.get_json("/asyncapi.json")
                except UpstreamError as exc:
                    return problem(503, "unavailable", "Service unavailable",
                                   f"cannot build the AsyncAPI document: {exc.detail}")
            cache["asyncapi"] = merge_asyncapi(docs, title="sendpb events", version="1.0.0")
        return JSONResponse(cache["asyncapi"])

    control.include_router(docs_router(title="sendpb API"))  # /docs and /redoc, assets from the installed package

    gateway = Gateway(control, upstreams, authenticator=authenticator, limiter=limiter,
                      timeout=settings.upstream_timeout_seconds, max_body_bytes=settings.max_body_bytes)
    gateway.issuer = issuer
    gateway.signed_links = SignedLinkLimits.from_settings(settings, redis=redis)
    gateway.reconciliation = None
    if settings.reconcile_local_authorities:
        from gateway.reconciliation import ReconciliationJob

        gateway.reconciliation = ReconciliationJob(gateway, issuer, las=settings.reconcile_local_authorities,
                                                   every_seconds=settings.reconcile_every_seconds,
                                                   settle_seconds=settings.reconcile_settle_seconds)
        jobs.append(gateway.reconciliation)
    return gateway


@asynccontextmanager
async def _reconciling(jobs: list[ReconciliationJob]) -> AsyncIterator[None]:
    """The scheduled reconciliation runs while the gateway does (after the embedded services have started)."""
    for job in jobs:
        job.start()
    try:
        yield
    finally:
        for job in jobs:
            await job.stop()
