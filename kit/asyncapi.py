"""AsyncAPI 3.0 documents: each service describes the events whose contract it owns (what it publishes, or an inbound
event from outside the platform it defines) and those it consumes; the gateway merges them into one document.

A message is the envelope (``kit.events.Envelope``) with the event's payload model in it; the payload model's
docstring describes the event and its ``examples`` (``json_schema_extra``) are the examples, each shown inside a whole
envelope as it travels. Every channel is a routing key on the ``sendpb.events`` topic exchange (AMQP bindings say so);
a service's own document also declares the channels of the events it consumes from other services, whose messages
their owners' documents (and the merged one) describe, so that each document is valid on its own."""
from __future__ import annotations

import copy
import inspect
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from kit.events import EXCHANGE, Envelope

DEFS = "#/$defs/"
SCHEMAS = "#/components/schemas/"
AMQP_BINDING = "0.3.0"
DLX = "sendpb.dlx"  # kit.bus.rabbit's dead-letter exchange (kept here so documents need no broker client)
EXAMPLE_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
EXAMPLE_OCCURRED_AT = datetime(2026, 11, 2, 11, 20, 5, tzinfo=UTC)
EXAMPLE_LA = "E06000060"
PUBLISHING_GUIDE = "docs/icb-publishing.md"

HEADERS = {
    "type": "object",
    "description": "AMQP application headers (all optional for a publisher).",
    "properties": {
        "traceparent": {"type": "string", "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
                        "description": "W3C trace context of the publishing work; the consumer continues the trace. "
                                       "The envelope's `traceparent` is used when the header is absent."},
        "x-attempts": {"type": "integer", "minimum": 1,
                       "description": "Set by a consumer on the copy it puts back on its queue after a failed "
                                      "attempt; never set it when publishing."},
        "x-original-routing-key": {"type": "string",
                                   "description": "Set by a consumer on a retried or dead-lettered copy."},
        "x-death-reason": {"type": "string",
                           "description": "Set on a dead letter only: why it could not be applied."},
    },
}


def _hoist(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """Move a pydantic schema's $defs into components.schemas and point its refs there."""
    schema = copy.deepcopy(schema)
    for name, body in schema.pop("$defs", {}).items():
        components[name] = _point_at_components(body)
    return _point_at_components(schema)


def _point_at_components(schema: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(schema).replace(f'"{DEFS}', f'"{SCHEMAS}'))


def envelope_schema(payload: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    envelope = _hoist(Envelope.model_json_schema(), components)
    envelope["properties"]["payload"] = _hoist(payload, components)
    envelope["required"] = sorted(set(envelope.get("required", [])) | {"type", "producer", "local_authority",
                                                                        "payload"})
    return envelope


def _texts(model: type[BaseModel]) -> tuple[str, str]:
    """(summary, description): the docstring's first paragraph on one line, and the whole docstring."""
    doc = inspect.cleandoc(model.__doc__ or "")
    return " ".join(doc.split("\n\n")[0].split()), doc


def messages(models: Mapping[str, type[BaseModel]]) -> dict[str, dict[str, Any]]:
    """{event type: payload model} → {event type: {"name", "summary", "description", "payload": JSON schema}}: the
    texts are the model's docstring and the examples the schema's, so the event is described where its payload is
    defined."""
    out = {}
    for event_type, model in models.items():
        summary, description = _texts(model)
        out[event_type] = {"name": event_type, "summary": summary, "description": description,
                           "payload": model.model_json_schema()}
    return out


def message_key(event_type: str) -> str:
    return event_type.replace(".", "_")


def owner_of(event_type: str) -> str:
    """The service whose document describes ``event_type``: its first word (``budget.opened.v1`` → budget)."""
    return event_type.split(".", 1)[0]


def example_envelope(event_type: str, payload: dict[str, Any], *, producer: str) -> dict[str, Any]:
    """A whole envelope around an example payload, serialised by ``Envelope`` itself (as the outbox does)."""
    envelope = Envelope(
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"https://sendpb.org/examples/{event_type}"), type=event_type,
        occurred_at=EXAMPLE_OCCURRED_AT, producer=producer,
        local_authority=payload.get("local_authority", EXAMPLE_LA),
        correlation_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://sendpb.org/examples/{event_type}/chain")),
        causation_id=None, traceparent=EXAMPLE_TRACEPARENT, payload=payload)
    return json.loads(envelope.to_bytes())


def _channel_bindings() -> dict[str, Any]:
    return {"amqp": {"is": "routingKey", "bindingVersion": AMQP_BINDING,
                     "exchange": {"name": EXCHANGE, "type": "topic", "durable": True, "autoDelete": False,
                                  "vhost": "/"}}}


def _publishing(event_type: str, service: str) -> str:
    """How an outside system publishes ``event_type`` (an inbound event ``service`` consumes)."""
    return (
        f"**Publishing it** (step by step, with a worked aio-pika example: `{PUBLISHING_GUIDE}`):\n"
        f"- exchange `{EXCHANGE}` (type `topic`, durable), routing key `{event_type}`; publish with publisher "
        "confirms and `mandatory` set, and treat a nack or a return as not sent (publish it again);\n"
        "- AMQP properties: `content_type` `application/json`, `delivery_mode` 2 (persistent), `message_id` = the "
        f"envelope's `event_id`, `type` `{event_type}`; optional header `traceparent` (W3C trace context);\n"
        "- body: the envelope (UTF-8 JSON) with `type`, `producer`, `local_authority`, a fresh `event_id` per "
        "envelope and the payload below;\n"
        f"- idempotent: `{service}` applies each envelope `event_id` once (its inbox), and the payload's own id once "
        "whichever envelope or channel (REST or AMQP) brings it, so publishing again after a lost confirm is safe;\n"
        f"- a message that cannot be read (not JSON, not an envelope, a payload field missing, of the wrong type or "
        f"out of range) is not retried: it goes at once to the dead-letter queue `sendpb.{service}.dlq` (exchange "
        f"`{DLX}`, routing key `{service}`) with its reason in the `x-death-reason` header; one that fails for "
        "another reason is retried and dead-lettered after its last attempt. A message that can be read is never "
        "dead-lettered for a business reason: what follows is published as events (above).")


def _message(event_type: str, spec: dict[str, Any], *, service: str, inbound: bool,
             components: dict[str, Any]) -> dict[str, Any]:
    payload = spec["payload"]
    producer = owner_of(event_type) if inbound else service  # an outside system: named as its events are
    description = (spec.get("description") or "").strip()
    if inbound:
        description = f"{description}\n\n{_publishing(event_type, service)}"
    return {
        "name": event_type, "title": event_type, "summary": (spec.get("summary") or "").strip(),
        "description": description, "contentType": "application/json",
        "headers": copy.deepcopy(HEADERS),
        "payload": envelope_schema(payload, components),
        "correlationId": {"location": "$message.payload#/correlation_id",
                          "description": "The request or chain of events the event belongs to."},
        "bindings": {"amqp": {"messageType": event_type, "bindingVersion": AMQP_BINDING}},
        "examples": [{"name": f"example{i + 1}" if i else "example",
                      "summary": f"{event_type} in its envelope, as it travels",
                      "headers": {"traceparent": EXAMPLE_TRACEPARENT},
                      "payload": example_envelope(event_type, example, producer=producer)}
                     for i, example in enumerate(payload.get("examples", []))],
    }


def service_document(*, service: str, title: str, version: str, owned: dict[str, dict[str, Any]],
                     publishes: list[str], consumes: list[str]) -> dict[str, Any]:
    """``owned``: {event type: {"summary", "description", "payload": JSON schema}} for the events this service
    defines (``messages``). An owned event it does not publish is an inbound one, published from outside."""
    components: dict[str, Any] = {}
    messages, channels, operations = {}, {}, {}
    for event_type, spec in owned.items():
        key = message_key(event_type)
        inbound = event_type not in publishes
        messages[key] = _message(event_type, spec, service=service, inbound=inbound, components=components)
        who = "published from outside the platform" if inbound else f"published by {service}"
        channels[key] = {
            "address": event_type, "title": event_type,
            "description": f"Routing key `{event_type}` on the topic exchange `{EXCHANGE}`: {who}.",
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "bindings": _channel_bindings(),
        }
    for event_type in consumes:
        key = message_key(event_type)
        channels.setdefault(key, {  # another service's event: its owner's document describes the message
            "address": event_type, "title": event_type,
            "description": f"Routing key `{event_type}` on the topic exchange `{EXCHANGE}`: published by "
                           f"{owner_of(event_type)}, whose document (and the gateway's merged one) describes the "
                           "message.",
            "bindings": _channel_bindings(),
        })
    for event_type in publishes:
        key = message_key(event_type)
        operations[f"{service}__send__{key}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{key}"},
            "summary": f"{service} publishes {event_type} (through its outbox)",
            "description": "Written to the service's outbox in the transaction of the change and published by its "
                           "relay (persistent, in AMQP transactions), so it is published once the broker has it "
                           "even if the broker was away; a consumer may see it more than once.",
            "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": AMQP_BINDING}},
        }
    for event_type in consumes:
        key = message_key(event_type)
        operations[f"{service}__receive__{key}"] = {
            "action": "receive", "channel": {"$ref": f"#/channels/{key}"},
            "summary": f"{service} consumes {event_type} from queue sendpb.{service} "
                       f"(dead letters: sendpb.{service}.dlq)",
            "description": f"The durable queue `sendpb.{service}` is bound to `{event_type}`. Each event is applied "
                           "once per envelope `event_id` (the consumer's inbox) and acknowledged after its "
                           "transaction commits. A message that cannot be read goes to the dead-letter queue "
                           f"`sendpb.{service}.dlq` at once, with the reason in its `x-death-reason` header; any "
                           "other failure is retried (header `x-attempts`) and dead-lettered after the last attempt. "
                           "A business refusal is published as an event, never dead-lettered.",
            "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP_BINDING}},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": title, "version": version},
        "defaultContentType": "application/json",
        "servers": {"rabbitmq": {"host": "rabbitmq:5672", "protocol": "amqp",
                                 "description": f"topic exchange {EXCHANGE}; routing key = event type"}},
        "channels": channels, "operations": operations,
        "components": {"messages": messages, "schemas": components},
    }


def _merge_channel(into: dict[str, Any] | None, channel: dict[str, Any]) -> dict[str, Any]:
    """The owner's channel (the one with messages) wins over a consumer's declaration of the same routing key."""
    if into is None or (channel.get("messages") and not into.get("messages")):
        return channel
    return into


def merge(documents: dict[str, dict[str, Any]], *, title: str, version: str) -> dict[str, Any]:
    merged = {"asyncapi": "3.0.0",
              "info": {"title": title, "version": version,
                       "description": "Every event on the sendpb.events exchange. Envelope per CONTRACT.md; "
                                      "routing key = type; each consumer has a durable queue and a dead-letter "
                                      "queue. Inbound events from outside the platform (the ICB's "
                                      "`icb.health_funding.changed.v1`) say how to publish them; the step-by-step "
                                      f"guide is {PUBLISHING_GUIDE}."},
              "defaultContentType": "application/json", "servers": {}, "channels": {}, "operations": {},
              "components": {"messages": {}, "schemas": {}}}
    for doc in documents.values():
        merged["servers"].update(doc.get("servers", {}))
        for key, channel in doc.get("channels", {}).items():
            merged["channels"][key] = _merge_channel(merged["channels"].get(key), channel)
        merged["operations"].update(doc.get("operations", {}))
        for part in ("messages", "schemas"):
            merged["components"][part].update(doc.get("components", {}).get(part, {}))
    return merged
