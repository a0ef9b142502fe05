"""Builds a service: its runtime (database, bus, outbox relay, consumers) and its FastAPI app.

``create_app`` in each service calls ``build_app(SPEC, platform, ...)``. Nothing connects until the lifespan (or,
in embedded mode, the runner) starts the runtime."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from kit import tracing
from kit.asyncapi import messages, service_document
from kit.auth import verifier_from
from kit.bus import Bus, bus_from_settings
from kit.db import Database
from kit.docs import docs_router
from kit.errors import PROBLEM_JSON, install_error_handlers, problem
from kit.health import check
from kit.housekeeping import kit_jobs
from kit.inbox import Consumers
from kit.jobs import Job, JobRunner
from kit.middleware import AdmissionLimit, BodyLimit, RequestContext
from kit.openapi import Alive, Ready, contract, load_examples, with_info
from kit.outbox import OutboxRelay
from kit.settings import PlatformSettings, ServiceSettings
from kit.tables import outbox


@dataclass
class ServiceSpec:
    name: str                      # the service, its database and its consumer queue: "budget"
    prefix: str                    # its URL prefix under /v1: "budgets"
    title: str
    description: str
    migrations: Path
    settings_cls: type[ServiceSettings]
    routers: list[APIRouter] = field(default_factory=list)
    consumers: Consumers = field(default_factory=Consumers)
    jobs: tuple[Job, ...] = ()     # scheduled work (kit.jobs), started with the relay
    version: str = "1.0.0"
    # {event type: payload model} for the events whose contract this service owns (what it publishes, and an inbound
    # event from outside the platform that it defines); the model's docstring is the event's summary
    owned_events: Mapping[str, type[BaseModel]] = field(default_factory=dict)
    publishes: tuple[str, ...] = ()
    # {tag: description} for the tags of its routers (kit.openapi); a tag not named here is described by its paths
    tags: Mapping[str, str] = field(default_factory=dict)


class ServiceRuntime:
    """The moving parts of one service. Start is in two steps so that, in one process, every consumer queue
    exists before any relay publishes (as durable queues do on RabbitMQ)."""

    def __init__(self, spec: ServiceSpec, platform: PlatformSettings, settings: ServiceSettings,
                 bus: Bus | None) -> None:
        self.spec, self.platform, self.settings = spec, platform, settings
        self._own_bus = bus is None
        self.bus = bus or bus_from_settings(platform)
        self.db: Database | None = None
        self.relay: OutboxRelay | None = None
        self.jobs: JobRunner | None = None

    async def start(self) -> None:
        self.db = Database(self.platform.database_url_for(self.spec.name, self.settings.database_url),
                           pool=self.platform.pool())
        tracing.instrument_engine(self.db.engine)  # database spans, when tracing is on
        if self.platform.migrate_on_start:
            # Imported here: where migrations run as a Job of their own (SENDPB_MIGRATE_ON_START=false, as deploy/
            # does), Alembic and its templates never take the service's memory.
            from kit.migrations import upgrade

            await upgrade(self.db.engine, self.spec.migrations)
        if self._own_bus:
            await self.bus.start()
        self.relay = OutboxRelay(self.db, self.bus, service=self.spec.name,
                                 batch_size=self.platform.relay_batch_size,
                                 poll_seconds=self.platform.relay_poll_seconds)
        self.db.on_commit(self.relay.wake, inserted_into=outbox.name)
        housekeeping = kit_jobs(outbox_days=self.platform.outbox_retention_days,
                                idempotency_days=self.platform.idempotency_retention_days,
                                every_seconds=self.platform.housekeeping_every_seconds)
        self.jobs = JobRunner((*self.spec.jobs, *housekeeping), self.db, self.settings, service=self.spec.name)
        if self.spec.consumers.routing_keys:
            await self.bus.subscribe(self.spec.name, self.spec.consumers.routing_keys,
                                     self.spec.consumers.bind(consumer=self.spec.name, db=self.db,
                                                              batch_size=self.platform.consumer_batch_size,
                                                              settings=self.settings))

    def start_relay(self) -> None:
        assert self.relay is not None, "start() first"
        self.relay.start()
        self.jobs.start()

    async def stop(self) -> None:
        """Gently: scheduled work stops, the deliveries being applied finish and are acknowledged, the relay
        finishes the pass it is publishing, and then the connections close."""
        if self.jobs is not None:
            await self.jobs.stop()
        if self._own_bus:
            await self.bus.stop_consuming()
        if self.relay is not None:
            await self.relay.stop()
        if self._own_bus:
            await self.bus.close()
        if self.db is not None:
            await self.db.dispose()


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.db.transaction() as session:
        yield session


# The unit of work: one session per request, committed when the endpoint returns (before the response is sent),
# rolled back when it raises. Services never commit.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


def settings_of(request: Request) -> Any:
    return request.app.state.runtime.settings


def health_router(runtime_of: Callable[[Request], ServiceRuntime]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="Alive", response_model=Alive)
    async def healthz() -> dict:
        """The process is up."""
        return {"status": "ok"}

    @router.get("/readyz", summary="Ready: can serve (its database answers)", response_model=Ready,
                responses={503: {"content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                                 "description": "Not ready: its database does not answer (`checks` says why)"}})
    async def readyz(request: Request) -> Response:
        """200 when this service can serve: its database answers. The broker's state is reported in `checks` but
        does not make the service unready: what it publishes waits in its outbox until the broker is back, and its
        consumers reconnect by themselves. 503 naming what does not answer otherwise."""
        runtime = runtime_of(request)
        database, broker = await asyncio.gather(check(runtime.db.ping), check(runtime.bus.ping))
        checks = {"database": database, "broker": broker}
        if checks["database"] == "ok":
            degraded = [name for name, state in checks.items() if state != "ok"]
            return JSONResponse({"status": "ready", "service": runtime.spec.name, "checks": checks,
                                 **({"degraded": degraded} if degraded else {})})
        return problem(503, "not-ready", "Not ready", f"{runtime.spec.name} cannot reach its database",
                       checks=checks)

    @router.get("/asyncapi.json", summary="This service's events (AsyncAPI 3.0)", include_in_schema=False)
    async def asyncapi(request: Request) -> dict:
        spec = runtime_of(request).spec
        return service_document(service=spec.name, title=spec.title, version=spec.version,
                                owned=messages(spec.owned_events),
                                publishes=list(spec.publishes), consumes=spec.consumers.routing_keys)

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        relay = runtime_of(request).relay
        if relay is not None:
            try:
                await relay.pending()  # refreshes sendpb_outbox_pending for this service at each scrape
            except Exception:  # noqa: BLE001 - a database outage shows in /readyz; metrics still answer
                pass
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def never_shed(prefix: str) -> frozenset[str]:
    """The paths the admission limit never sheds: liveness, readiness and metrics, at the root and under the
    service's prefix (health_router is mounted at both)."""
    return frozenset(f"{root}/{name}" for root in ("", f"/v1/{prefix}") for name in ("healthz", "readyz", "metrics"))


def _contract_document(app: FastAPI, spec: ServiceSpec) -> dict[str, Any]:
    """The service's OpenAPI document as the contract (kit.openapi), built once."""
    if app.openapi_schema is None:
        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        app.openapi_schema = with_info(contract(app, doc, prefix=spec.prefix, service_wide={spec.name, spec.prefix},
                                                tag_descriptions={spec.prefix: spec.description, **spec.tags},
                                                examples=load_examples(spec.migrations.parent)))
    return app.openapi_schema


def build_app(spec: ServiceSpec, platform: PlatformSettings, *, settings: ServiceSettings | None = None,
              bus: Bus | None = None, manage_runtime: bool = True) -> FastAPI:
    """The service's ASGI app. With ``manage_runtime=False`` (embedded mode) the runner starts the runtime."""
    runtime = ServiceRuntime(spec, platform, settings or spec.settings_cls(), bus)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if not manage_runtime:
            yield
            return
        await runtime.start()
        runtime.start_relay()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=spec.title, description=spec.description, version=spec.version, lifespan=lifespan,
                  docs_url=None, redoc_url=None)  # kit.docs serves them, with their assets
    app.state.runtime = runtime
    app.state.verifier = verifier_from(platform)
    install_error_handlers(app)
    health = health_router(lambda request: request.app.state.runtime)
    app.include_router(health)
    app.include_router(health, prefix=f"/v1/{spec.prefix}", include_in_schema=False)
    app.include_router(docs_router(title=spec.title))
    for router in spec.routers:
        app.include_router(router, prefix=f"/v1/{spec.prefix}")
    app.openapi = lambda: _contract_document(app, spec)
    app.add_middleware(BodyLimit, max_bytes=runtime.settings.max_body_bytes)
    # outside the body cap, inside the request context (which logs and counts the 503s it sheds)
    app.add_middleware(AdmissionLimit, service=spec.name, limit=platform.requests_in_flight(),
                       exempt=never_shed(spec.prefix))
    app.add_middleware(RequestContext, service=spec.name)  # added last: outermost, so it logs the 413s too
    tracing.instrument_app(app)  # a server span per request continuing the caller's traceparent, when tracing is on
    return app
