"""OpenTelemetry tracing, off unless configured: one trace follows a request from the gateway to a service, into the
event it writes to the outbox, onto the broker's message and into the consumer that applies it.

Off by default: no provider, no instrumentation installed, nothing read or written. It is on when the standard
``OTEL_*`` settings ask for an exporter (``OTEL_TRACES_EXPORTER=otlp`` or ``console``, or an
``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``), unless ``OTEL_SDK_DISABLED=true``;
the OTLP exporter then reads its own settings (protocol http/protobuf, endpoint, headers, timeout) and the SDK its
sampler (``OTEL_TRACES_SAMPLER``) and resource (``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``). Tests
``use()`` a provider of their own.

The W3C trace context travels in the ``traceparent`` header over HTTP, in the event envelope's optional
``traceparent`` field into the outbox row (so no migration: the row holds the envelope), and in the AMQP message's
``traceparent`` header from the outbox relay (a PRODUCER span per event) to the consumer (a CONSUMER span per event,
a child of the message's context, or of the envelope's when a publisher sent no header)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

# W3C trace context only (not the global composite, whose baggage would carry whatever a caller put in it).
PROPAGATOR: TextMapPropagator = TraceContextTextMapPropagator()
TRACEPARENT = "traceparent"

_provider: trace.TracerProvider | None = None
_from_environment_done = False


def use(provider: trace.TracerProvider | None) -> None:
    """Trace with this provider from now on (apps built after this call), or with none."""
    global _provider, _from_environment_done
    _provider, _from_environment_done = provider, True


def wanted_by_environment(environ: Mapping[str, str] = os.environ) -> bool:
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = {e.strip() for e in environ.get("OTEL_TRACES_EXPORTER", "").lower().split(",") if e.strip()}
    if exporters - {"none"}:
        return True
    return bool(environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")) \
        and "none" not in exporters


def provider_from_environment(environ: Mapping[str, str] = os.environ) -> trace.TracerProvider | None:
    """The SDK's provider with the exporters the ``OTEL_*`` settings name, or None when they name none."""
    if not wanted_by_environment(environ):
        return None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when set, win over this default name. (Merging the detected
    # resource over the default lost it: without them the SDK detects "unknown_service:python".)
    resource = Resource.create()
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": "sendpb"}))
    provider = TracerProvider(resource=resource)
    exporters = {e.strip() for e in environ.get("OTEL_TRACES_EXPORTER", "otlp").lower().split(",") if e.strip()}
    if "console" in exporters:
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    if "otlp" in exporters or not exporters - {"console"}:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def provider() -> trace.TracerProvider | None:
    """The provider apps are built with, read from the environment the first time it is asked for."""
    global _provider, _from_environment_done
    if not _from_environment_done:
        _provider, _from_environment_done = provider_from_environment(), True
    return _provider


def enabled() -> bool:
    return provider() is not None


def tracer(name: str) -> trace.Tracer | None:
    p = provider()
    return p.get_tracer(name) if p is not None else None


def current_traceparent() -> str | None:
    """The ``traceparent`` of the span in hand, if tracing is on and there is one (for an event's envelope)."""
    if provider() is None:
        return None
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier)
    return carrier.get(TRACEPARENT)


def context_from(carrier: Mapping[str, Any] | None) -> Context | None:
    """The remote context a carrier (headers) holds, or None."""
    if not carrier:
        return None
    value = carrier.get(TRACEPARENT)
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    context = PROPAGATOR.extract({TRACEPARENT: value})
    return context if trace.get_current_span(context).get_span_context().is_valid else None


def headers_for(span: trace.Span) -> dict[str, str]:
    """The ``traceparent`` header naming ``span`` as the parent."""
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
    return carrier


def instrument_engine(engine: Any) -> None:
    """Database spans (the SQLAlchemy instrumentation) for one async engine, when tracing is on."""
    p = provider()
    if p is None:
        return
    from opentelemetry.instrumentation.sqlalchemy import __name__ as scope
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import NoOpMeterProvider

    # The instrumentor itself patches create_engine once per process; the runtime makes an engine per service.
    usage = NoOpMeterProvider().get_meter(scope).create_up_down_counter("db.client.connections.usage")
    EngineTracer(p.get_tracer(scope), engine.sync_engine, usage)


def instrument_app(app: Any) -> None:
    """Server spans (the FastAPI instrumentation) for a service's app, when tracing is on: a span per request,
    named by its route template, continuing the caller's ``traceparent``."""
    p = provider()
    if p is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=p, exclude_spans=["receive", "send"])


def aiohttp_trace_configs() -> list[Any]:
    """Client spans (the aiohttp instrumentation) for the gateway's calls to services, when tracing is on; they
    also put the ``traceparent`` header on the request."""
    p = provider()
    if p is None:
        return []
    from opentelemetry.instrumentation.aiohttp_client import create_trace_config

    return [create_trace_config(tracer_provider=p)]
