"""One trace follows an ICB's health funding from its REST call, through the gateway, into the budget service and its
ledger, and on through the outbox onto the bus; an event an ICB publishes with a ``traceparent`` header is applied,
and posted to the ledger, in the ICB's trace. Spans go to the SDK's in-memory exporter."""
import asyncio
import uuid

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from kit import tracing
from kit.bus import Outgoing
from kit.events import Envelope
from kit.settings import PlatformSettings
from kit.testing import LA, eventually
from sendpb.runner import build_embedded
from tests.conftest import unlimited_gateway

HEALTH_EVENT = "icb.health_funding.changed.v1"


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use(provider)
    try:
        yield exporter, provider
    finally:
        tracing.use(None)
        provider.shutdown()


@pytest.fixture
async def traced_platform(tmp_path, spans):
    """The embedded platform, built while tracing is on."""
    embedded = build_embedded(PlatformSettings(data_dir=tmp_path, relay_poll_seconds=0.2, log_json=False),
                              unlimited_gateway())
    async with embedded.gateway.control.router.lifespan_context(embedded.gateway.control):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=embedded.gateway),
                                     base_url="http://gateway") as client:
            token = (await client.post("/oauth/token", data={
                "grant_type": "client_credentials", "client_id": "dev-admin", "client_secret": "dev-secret"}))
            yield client, {"Authorization": f"Bearer {token.json()['access_token']}"}, embedded


async def open_budget(client, headers) -> str:
    child_id = f"C-{uuid.uuid4().hex[:10]}"
    r = await client.post("/v1/budgets", headers=headers, json={
        "child_id": child_id, "local_authority": LA, "plan_reference": f"EHCP-{child_id}",
        "period_start": "2026-12-01", "period_end": "2027-12-01"})
    assert r.status_code == 201, r.text
    return child_id


def funding(child_id: str, amount: int) -> dict:
    return {"event_id": str(uuid.uuid4()), "child_id": child_id, "local_authority": LA,
            "annual_amount_pence": amount, "effective_from": "2027-03-01", "reason": "ICB review of health needs"}


def statement(span) -> str:
    return str(span.attributes.get("db.statement") or span.attributes.get("db.query.text") or "")


def of_trace(exporter, trace_id: int) -> list:
    return [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]


def ledger_postings(spans) -> list:
    return [s for s in spans if statement(s).lstrip().upper().startswith("INSERT INTO LEDGER_ENTRIES")]


async def test_one_trace_runs_from_the_icbs_rest_call_through_the_gateway_to_the_ledger_and_the_outbox(
        traced_platform, spans):
    client, headers, embedded = traced_platform
    exporter, provider = spans
    child_id = await open_budget(client, headers)
    icb = provider.get_tracer("an ICB's system")
    caller = icb.start_span("send health funding", kind=SpanKind.CLIENT)  # in another process, as it were
    trace_id = caller.get_span_context().trace_id
    sent = await client.post("/v1/budgets/health-funding-events", json=funding(child_id, 120_000),
                             headers={**headers, **tracing.headers_for(caller)})
    caller.end()
    assert sent.status_code == 202 and sent.json()["outcome"] == "applied", sent.text

    def published() -> bool:
        return any(s.name == "publish budget.health_funding_applied.v1" for s in of_trace(exporter, trace_id))

    await eventually(lambda: asyncio.sleep(0, published()))
    in_trace = of_trace(exporter, trace_id)
    by_id = {s.context.span_id: s for s in in_trace}

    gateway = [s for s in in_trace if s.parent and s.parent.span_id == caller.get_span_context().span_id]
    assert [(s.name, s.kind) for s in gateway] == [("POST /v1/budgets/health-funding-events", SpanKind.SERVER)], \
        "the gateway continues the caller's trace, its span named by the route"
    # The budget service's span (in embedded mode the gateway calls it in-process, so the instrumentation makes it
    # INTERNAL; over HTTP it is the service's SERVER span).
    service = [s for s in in_trace if s.parent and s.parent.span_id == gateway[0].context.span_id]
    assert [s.name for s in service] == ["POST /v1/budgets/health-funding-events"], \
        "the service continues the gateway's span"

    postings = ledger_postings(in_trace)
    assert postings, "the ledger posting is in the trace"

    def descends_from(span, ancestor) -> bool:
        while span.parent is not None:
            if span.parent.span_id == ancestor.context.span_id:
                return True
            span = by_id.get(span.parent.span_id)
            if span is None:
                return False
        return False

    assert all(descends_from(p, service[0]) for p in postings)
    [publish] = [s for s in in_trace if s.name == "publish budget.health_funding_applied.v1"]
    assert publish.kind == SpanKind.PRODUCER and descends_from(publish, service[0]), \
        "the relay publishes the event as a child of the request that wrote it to the outbox"
    assert not any(str(uuid.UUID(int=0)) in s.name or child_id in s.name for s in in_trace), "no ids in names"


async def test_an_event_published_with_a_traceparent_is_applied_and_posted_in_that_trace(traced_platform, spans):
    client, headers, embedded = traced_platform
    exporter, provider = spans
    child_id = await open_budget(client, headers)
    icb = provider.get_tracer("an ICB's system")
    envelope = Envelope(type=HEALTH_EVENT, producer="icb", local_authority=LA, payload=funding(child_id, 90_000))
    with icb.start_as_current_span("publish health funding", kind=SpanKind.PRODUCER) as publish:
        trace_id = publish.get_span_context().trace_id
        await embedded.bus.publish([Outgoing(HEALTH_EVENT, envelope.to_bytes(), str(envelope.event_id),
                                             tracing.headers_for(publish), user_id=embedded.bus.user)])
    await embedded.bus.drain()

    in_trace = of_trace(exporter, trace_id)
    consumer = [s for s in in_trace if s.kind == SpanKind.CONSUMER and s.name == f"process {HEALTH_EVENT}"]
    assert consumer and consumer[0].parent.span_id == publish.get_span_context().span_id
    assert consumer[0].attributes["messaging.consumer.group.name"] == "budget"
    assert ledger_postings(in_trace), "the consumer's ledger posting is in the publisher's trace"
    health = (await client.get("/v1/budgets", params={"child_id": child_id}, headers=headers)).json()
    assert health["items"][0]["streams"]["health"]["agreed_pence"] == 90_000


async def test_an_event_carries_the_traceparent_of_the_work_that_wrote_it_only_when_tracing_is_on(spans):
    exporter, provider = spans
    with provider.get_tracer("t").start_as_current_span("work") as work:
        traced = Envelope(type="x.y.v1", producer="t", local_authority=LA, payload={})
    assert traced.traceparent == tracing.headers_for(work)["traceparent"]
    assert b'"traceparent"' in traced.to_bytes()
    tracing.use(None)
    with provider.get_tracer("t").start_as_current_span("work"):
        plain = Envelope(type="x.y.v1", producer="t", local_authority=LA, payload={})
    assert plain.traceparent is None and b"traceparent" not in plain.to_bytes(), "events as before without tracing"
    assert Envelope.from_bytes(traced.to_bytes()).traceparent == traced.traceparent
    assert tracing.context_from({"traceparent": "not-a-traceparent"}) is None, "a bad header starts a new trace"


def test_tracing_is_off_unless_the_otel_settings_ask_for_an_exporter():
    assert not tracing.wanted_by_environment({})
    assert not tracing.wanted_by_environment({"OTEL_TRACES_EXPORTER": "none",
                                              "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert not tracing.wanted_by_environment({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"})
    assert tracing.wanted_by_environment({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert tracing.wanted_by_environment({"OTEL_TRACES_EXPORTER": "otlp"})
    assert tracing.provider_from_environment({}) is None
    configured = tracing.provider_from_environment({"OTEL_TRACES_EXPORTER": "console"})
    assert configured is not None
    configured.shutdown()
