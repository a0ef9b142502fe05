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
        "x-original-user-id": {"type": "string",
                               "description": "Set by a consumer on a retried or dead-lettered copy: the validated "
                                              "AMQP `user_id` the message was published with. Never set it when "
                                              "publishing (it is believed only on the platform's own copies)."},
        "x-death-reason": {"type": "string",
                           "description": "Set on a dead letter only: why it could not be applied."},
    },
}
# The AMQP basic properties an outside publisher sets (AsyncAPI's AMQP message binding has no place for them).
INBOUND_PROPERTIES = {
    "type": "object",
    "description": "AMQP basic properties of the message as published (not headers).",
    "required": ["user_id", "content_type", "delivery_mode"],
    "properties": {
        "user_id": {"type": "string", "minLength": 1, "description": (
            "The broker user the publisher connects as (one per outside system). RabbitMQ refuses a message whose "
            "`user_id` is not the publishing connection's user (validated user-id), so it names the publisher; the "
            "consumer applies the message only from a user allowed for the payload's `local_authority` and "
            "dead-letters any other, or one without `user_id`, with a reason starting `Unauthorised:`.")},
        "content_type": {"const": "application/json"},
        "delivery_mode": {"const": 2, "description": "persistent"},
        "message_id": {"type": "string", "description": "the envelope's `event_id` (recommended)"},
        "type": {"type": "string", "description": "the event type (recommended)"},
    },
}
WHO_MAY = " (or, published from outside, whose `user_id` is missing or not allowed for its local authority)"
DEAD_LETTER_HEADERS = {
    "type": "object",
    "description": "AMQP application headers of a dead letter, set by the consumer that gave up on it.",
    "required": ["x-death-reason", "x-attempts", "x-original-routing-key"],
    "properties": {key: HEADERS["properties"][key]
                   for key in ("x-death-reason", "x-attempts", "x-original-routing-key", "x-original-user-id",
                               "traceparent")},
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
        "- AMQP properties: **`user_id` (required) = the broker user you connect as**, `content_type` "
        "`application/json`, `delivery_mode` 2 (persistent), `message_id` = the envelope's `event_id`, `type` "
        f"`{event_type}`; optional header `traceparent` (W3C trace context);\n"
        "- who may publish it: RabbitMQ refuses a `user_id` that is not the connection's user (validated user-id), "
        "so it names you; the operator lists each outside system's broker user with the local authorities it may "
        "publish for, and a message without `user_id`, or for a local authority not listed for its user, is never "
        "applied: it is dead-lettered at once with a reason starting `Unauthorised:` (not a refusal event: it did "
        "not come from a publisher entitled to an answer);\n"
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
    extensions = {"x-amqp-properties": copy.deepcopy(INBOUND_PROPERTIES)} if inbound else {}
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
        **extensions,
    }


def dead_letter_key(service: str) -> str:
    return f"sendpb_{service}_dlq"


def _dead_letter_channel(service: str, consumes: list[str]) -> dict[str, Any]:
    """The service's dead-letter queue: what its consumer gave up on, the body unchanged, with why."""
    queue = f"sendpb.{service}.dlq"
    example_type = consumes[0]
    return {
        "address": queue, "title": queue,
        "description": f"The dead letters of `{service}`: messages its queue `sendpb.{service}` received and could "
                       f"not apply, published to the direct exchange `{DLX}` with routing key `{service}`. A message "
                       "that cannot be read (or whose publisher may not publish it) comes here at once; one that "
                       "failed otherwise after its last attempt. Nothing is dropped: the operator takes them "
                       f"(`sendpb dead-letters take {service}`) and, after a fix, replays them onto the queue "
                       f"(`sendpb dead-letters replay {service}`).",
        "messages": {"dead_letter": {
            "name": "dead_letter", "title": f"A dead letter of {service}",
            "summary": "A message the consumer gave up on, the body as it was published, with the reason.",
            "description": "The body is unchanged: usually an event envelope of the type in `x-original-routing-key` "
                           "(described on that event's channel), but anything unreadable as well. The headers say "
                           "why (`x-death-reason`), after how many attempts, and who published it.",
            "contentType": "application/json",
            "headers": copy.deepcopy(DEAD_LETTER_HEADERS),
            "payload": {"description": "The message body as it was published (not necessarily valid JSON)."},
            "examples": [{"name": "unreadable", "summary": "a payload field out of range",
                          "headers": {"x-death-reason": f"PoisonMessage: {example_type} payload is not readable: "
                                                        "[{'type': 'greater_than_equal', 'loc': ('amount_pence',)}]",
                                      "x-attempts": 1, "x-original-routing-key": example_type},
                          "payload": {"type": example_type, "payload": {"amount_pence": -1}}}],
        }},
        "bindings": {"amqp": {"is": "queue", "bindingVersion": AMQP_BINDING,
                              "queue": {"name": queue, "durable": True, "exclusive": False, "autoDelete": False,
                                        "vhost": "/"}}},
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
    if consumes:
        dlq = dead_letter_key(service)
        channels[dlq] = _dead_letter_channel(service, consumes)
        operations[f"{service}__dead_letter"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{dlq}"},
            "summary": f"{service} dead-letters what it cannot apply to sendpb.{service}.dlq",
            "description": "With the reason in `x-death-reason`, the attempts in `x-attempts`, the event type in "
                           "`x-original-routing-key` and the publisher's validated user in `x-original-user-id`.",
            "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": AMQP_BINDING}},
        }
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
                           "transaction commits. A message that cannot be read"
                           f"{WHO_MAY if event_type in owned and event_type not in publishes else ''} goes to the "
                           "dead-letter queue "
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
