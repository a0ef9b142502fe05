"""Schemathesis against the embedded platform, in process.

The platform runs on the test's event loop (its lifespan, relays and consumers live there). Hypothesis is
synchronous and schemathesis calls an ASGI app from a thread of its own, so the fuzzing runs in a worker thread
and reaches the platform through ``LoopBridge``: an ASGI app that hands each request over to the platform's loop
and plays the answer back. Every operation is fuzzed with positive data (valid by the schema) and negative data
(invalid by the schema), with a fixed seed, and every response is checked."""
from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import negative_data_rejection, response_schema_conformance

from kit.middleware import read_body

EXAMPLES = int(os.environ.get("SENDPB_FUZZ_EXAMPLES", "5"))  # per operation and mode; `make fuzz` sets 200
REPORT: list[Figures] = []  # every spec fuzzed in this run, printed at the end (tests/fuzz/conftest.py)

POSITIVE_CHECKS = [not_a_server_error, response_schema_conformance]
NEGATIVE_CHECKS = [*POSITIVE_CHECKS, negative_data_rejection]


BACKENDS = ("sqlite", "postgresql")


@asynccontextmanager
async def embedded_platform(backend: str, data_dir: Path) -> AsyncIterator[tuple[Any, Any]]:
    """The embedded platform (gateway + every service, in-memory bus) with each service's database on SQLite files
    or on a PostgreSQL database of this test run (``sendpb_<run>_fuzz_<service>``), and an httpx client to the
    gateway. PostgreSQL enforces what SQLite lets through (VARCHAR lengths, 32-bit INTEGER, NUL bytes in text,
    date ranges), and production runs on it. Unreachable PostgreSQL skips with the reason, or fails under
    SENDPB_REQUIRE_SERVICES=1."""
    import httpx

    from kit.settings import PlatformSettings
    from kit.testing import RUN_ID, ensure_database, pg_url, postgres_reason, unavailable
    from sendpb.runner import SERVICES, build_embedded
    from tests.conftest import unlimited_gateway

    values: dict[str, Any] = {"data_dir": data_dir, "relay_poll_seconds": 0.2, "log_json": False}
    if backend == "postgresql":
        if reason := await postgres_reason():
            unavailable(reason)
        for component in SERVICES:
            await ensure_database(f"sendpb_{RUN_ID}_fuzz_{component.name}")
        values["database_url_template"] = pg_url(f"sendpb_{RUN_ID}_fuzz_{{service}}")
    embedded = build_embedded(PlatformSettings(**values),
                              unlimited_gateway())
    async with embedded.gateway.control.router.lifespan_context(embedded.gateway.control):
        transport = httpx.ASGITransport(app=embedded.gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield embedded, client


class LoopBridge:
    """An ASGI app that runs each request on ``loop`` (where the platform lives) and sends back its answer."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.app, self.loop = app, loop

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return  # the platform's lifespan belongs to the fixture that started it
        body = await read_body(receive)
        call = asyncio.run_coroutine_threadsafe(self._call(scope, body), self.loop)
        for message in await asyncio.wrap_future(call):
            await send(message)

    async def _call(self, scope, body: bytes) -> list[dict]:
        sent: list[dict] = []
        answered = asyncio.Event()
        delivered = False

        async def receive() -> dict:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await answered.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        try:
            await self.app(scope, receive, send)
        except Exception:  # noqa: BLE001 - as a server does: the app's error is a 500 to the caller
            if not sent:
                sent = [{"type": "http.response.start", "status": 500, "headers": []},
                        {"type": "http.response.body", "body": b""}]
        finally:
            answered.set()
        return sent


@dataclass
class Figures:
    """What one spec's fuzzing did: operations, examples sent, the statuses seen and what failed."""

    spec: str
    operations: int = 0
    examples: Counter = field(default_factory=Counter)      # by mode
    statuses: Counter = field(default_factory=Counter)
    labels: list[str] = field(default_factory=list)
    reached: set = field(default_factory=set)               # operations that answered 2xx at least once
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        total = sum(self.examples.values())
        return (f"{self.spec}: {self.operations} operations, {total} examples "
                f"({self.examples['positive']} positive, {self.examples['negative']} negative), "
                f"{len(self.reached)} operations answered 2xx; statuses {dict(sorted(self.statuses.items()))}")

    def never_2xx(self) -> list[str]:
        return [label for label in self.labels if label not in self.reached]


def config(ids: dict[str, Any], las: list[str]) -> schemathesis.Config:
    """Real ids (one, or a list to pick from) for path parameters and for the body and query fields that name a
    record or an LA, most of the time (the rest stay generated, so unknown ids and foreign LAs are fuzzed as well);
    dev client credentials for the token endpoint."""
    dictionaries = {name: {"values": value if isinstance(value, list) else [value]} for name, value in ids.items()}
    dictionaries["local_authority"] = {"values": las}
    dictionaries.update(client_id={"values": ["dev-admin", "dev-casework"]}, client_secret={"values": ["dev-secret"]},
                        grant_type={"values": ["client_credentials"]})
    parameters = {}
    for name in dictionaries:
        for location in ("path", "query", "body"):
            parameters[f"{location}.{name}"] = {"dictionary": name, "probability": 0.9}
    return schemathesis.Config.from_dict({"dictionaries": dictionaries, "parameters": parameters})


def fuzz(spec: str, bridge: LoopBridge, *, headers: dict[str, str], config: schemathesis.Config,
         examples: int = EXAMPLES) -> Figures:
    """Fuzz every operation of the OpenAPI document the bridged app serves at /openapi.json."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", bridge, config=config)
    figures = Figures(spec)
    for result in schema.get_all_operations():
        operation = result.ok()
        figures.operations += 1
        figures.labels.append(operation.label)
        _fuzz_operation(operation, GenerationMode.POSITIVE, headers, examples, figures)
        if _negatable(operation):
            _fuzz_operation(operation, GenerationMode.NEGATIVE, headers, examples, figures)
    return figures


def _negatable(operation) -> bool:
    """Whether a request can break the schema with the token fixed: a body, a query or header parameter, or a path
    parameter with a constraint. A path segment declared as any string is always valid; asking Hypothesis for
    an invalid one only spends time before it gives up."""
    return (bool(operation.body) or any(True for _ in operation.query)
            or any(p.name != "Authorization" for p in operation.headers)
            or any({k: v for k, v in p.definition["schema"].items() if k != "title"} != {"type": "string"}
                   for p in operation.path_parameters))


def _fuzz_operation(operation, mode: GenerationMode, headers: dict[str, str], examples: int,
                    figures: Figures) -> None:
    checks = NEGATIVE_CHECKS if mode is GenerationMode.NEGATIVE else POSITIVE_CHECKS

    # derandomize: the same examples on every run, so a failure in CI reproduces anywhere
    @hypothesis.settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(hypothesis.HealthCheck), print_blob=False)
    @hypothesis.given(operation.as_strategy(generation_mode=mode, headers=headers))
    def run(case) -> None:
        response = case.call()
        figures.examples[mode.value] += 1
        figures.statuses[response.status_code] += 1
        if 200 <= response.status_code < 300:
            figures.reached.add(operation.label)
        case.validate_response(response, checks=checks)

    try:
        run()
    except (Exception, FailureGroup) as exc:  # noqa: BLE001 - one operation's failure must not hide the others'
        figures.failures.append(f"{operation.label} ({mode.value}):\n{exc}")
