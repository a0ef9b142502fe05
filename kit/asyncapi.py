"""AsyncAPI 3.0 documents: each service describes the events whose contract it owns (what it publishes, or an inbound
event from outside the platform it defines) and those it consumes; the gateway merges them into one document."""
from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from kit.events import EXCHANGE, Envelope

DEFS = "#/$defs/"
SCHEMAS = "#/components/schemas/"


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


def messages(models: Mapping[str, type[BaseModel]]) -> dict[str, dict[str, Any]]:
    """{event type: payload model} → {event type: {"name", "summary", "payload": JSON schema}}: the summary is the
    model's docstring, so the event is described where its payload is defined."""
    return {event_type: {"name": event_type, "summary": (model.__doc__ or "").strip(),
                         "payload": model.model_json_schema()} for event_type, model in models.items()}


def message_key(event_type: str) -> str:
    return event_type.replace(".", "_")


def service_document(*, service: str, title: str, version: str, owned: dict[str, dict[str, Any]],
                     publishes: list[str], consumes: list[str]) -> dict[str, Any]:
    """``owned``: {event type: {"summary", "payload": JSON schema}} for the events this service defines."""
    components: dict[str, Any] = {}
    messages, channels, operations = {}, {}, {}
    for event_type, spec in owned.items():
        key = message_key(event_type)
        messages[key] = {"name": event_type, "title": event_type, "summary": (spec.get("summary") or "").strip(),
                         "contentType": "application/json",
                         "payload": envelope_schema(spec["payload"], components)}
        channels[key] = {
            "address": event_type,
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "bindings": {"amqp": {"is": "routingKey",
                                  "exchange": {"name": EXCHANGE, "type": "topic", "durable": True}}},
        }
    for event_type in publishes:
        key = message_key(event_type)
        operations[f"{service}__send__{key}"] = {"action": "send", "channel": {"$ref": f"#/channels/{key}"},
                                                 "summary": f"{service} publishes {event_type} (through its outbox)"}
    for event_type in consumes:
        key = message_key(event_type)
        operations[f"{service}__receive__{key}"] = {
            "action": "receive", "channel": {"$ref": f"#/channels/{key}"},
            "summary": f"{service} consumes {event_type} from queue sendpb.{service} "
                       f"(dead letters: sendpb.{service}.dlq)"}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": title, "version": version},
        "defaultContentType": "application/json",
        "servers": {"rabbitmq": {"host": "rabbitmq:5672", "protocol": "amqp",
                                 "description": f"topic exchange {EXCHANGE}; routing key = event type"}},
        "channels": channels, "operations": operations,
        "components": {"messages": messages, "schemas": components},
    }


def merge(documents: dict[str, dict[str, Any]], *, title: str, version: str) -> dict[str, Any]:
    merged = {"asyncapi": "3.0.0",
              "info": {"title": title, "version": version,
                       "description": "Every event on the sendpb.events exchange. Envelope per CONTRACT.md; "
                                      "routing key = type; each consumer has a durable queue and a dead-letter "
                                      "queue."},
              "defaultContentType": "application/json", "servers": {}, "channels": {}, "operations": {},
              "components": {"messages": {}, "schemas": {}}}
    for doc in documents.values():
        merged["servers"].update(doc.get("servers", {}))
        merged["channels"].update(doc.get("channels", {}))
        merged["operations"].update(doc.get("operations", {}))
        for part in ("messages", "schemas"):
            merged["components"][part].update(doc.get("components", {}).get(part, {}))
    return merged
