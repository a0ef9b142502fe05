"""The AsyncAPI document describes every event of CONTRACT.md, its schemas are valid, and every event a service can
consume has a schema."""
import jsonschema

CONTRACT_EVENTS = {
    "eligibility.request_decided.v1", "ras.assessment_completed.v1", "budget.opened.v1", "budget.agreed.v1",
    "budget.health_funding_applied.v1", "payments.payment_issued.v1", "payments.recovery_confirmed.v1",
    "contracts.funds_released.v1", "icb.health_funding.changed.v1",
}


async def asyncapi(platform) -> dict:
    r = await platform.client.get("/asyncapi.json")
    assert r.status_code == 200
    return r.json()


async def test_every_contract_event_has_a_channel_and_a_message(platform):
    doc = await asyncapi(platform)
    assert doc["asyncapi"].startswith("3.")
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses >= CONTRACT_EVENTS
    events = [c for c in doc["channels"].values() if c["bindings"]["amqp"]["is"] == "routingKey"]
    assert {c["address"] for c in events} == addresses - {c["address"] for c in doc["channels"].values()
                                                         if c["bindings"]["amqp"]["is"] == "queue"}
    for channel in events:
        assert channel["bindings"]["amqp"]["exchange"]["name"] == "sendpb.events"


async def test_each_consumers_dead_letter_queue_is_a_channel_with_its_reason_header(platform):
    """Integrators and operators see where dead letters go (the queue, not an exchange's routing key) and what a
    dead letter carries: x-death-reason (required), x-attempts, x-original-routing-key, x-original-user-id."""
    doc = await asyncapi(platform)
    queues = {c["address"]: c for c in doc["channels"].values() if c["bindings"]["amqp"]["is"] == "queue"}
    assert set(queues) == {f"sendpb.{s}.dlq" for s in ("ras", "budget", "payments", "contracts")}
    for address, channel in queues.items():
        assert channel["bindings"]["amqp"]["queue"]["name"] == address and "sendpb.dlx" in channel["description"]
        headers = channel["messages"]["dead_letter"]["headers"]
        assert {"x-death-reason", "x-attempts", "x-original-routing-key"} <= set(headers["required"])
        assert "x-original-user-id" in headers["properties"]
    sent = {op["channel"]["$ref"] for op in doc["operations"].values() if op["action"] == "send"}
    assert "#/channels/sendpb_budget_dlq" in sent


async def test_every_operation_points_at_a_channel_of_the_document(platform):
    doc = await asyncapi(platform)
    for name, op in doc["operations"].items():
        ref = op["channel"]["$ref"].removeprefix("#/channels/")
        assert ref in doc["channels"], f"{name} points at a channel no service describes"
    receivers = {op["channel"]["$ref"] for op in doc["operations"].values() if op["action"] == "receive"}
    assert "#/channels/icb_health_funding_changed_v1" in receivers


async def test_every_message_schema_is_valid_json_schema_and_validates_an_envelope(platform):
    doc = await asyncapi(platform)
    schemas = doc["components"]["schemas"]
    for key, message in doc["components"]["messages"].items():
        schema = {**message["payload"], "components": {"schemas": schemas}}
        jsonschema.Draft202012Validator.check_schema(schema)
        assert set(schema["required"]) >= {"type", "producer", "local_authority", "payload"}, key
        assert schema["properties"]["payload"].get("properties"), f"{key} has no payload fields"


def validate_event(doc: dict, envelope: dict) -> None:
    """Raise unless an observed envelope matches its message's schema (used by the end-to-end journey)."""
    key = envelope["type"].replace(".", "_")
    message = doc["components"]["messages"][key]
    schema = {**message["payload"], "components": {"schemas": doc["components"]["schemas"]}}
    jsonschema.Draft202012Validator(schema).validate(envelope)


async def test_every_reference_in_the_document_resolves(platform):
    import json
    import re

    doc = await asyncapi(platform)
    text = json.dumps(doc)
    assert "#/$defs/" not in text
    for ref in set(re.findall(r'"\$ref": "#/([^"]+)"', text)):
        node = doc
        for part in ref.split("/"):
            assert part in node, f"#/{ref} does not resolve"
            node = node[part]
