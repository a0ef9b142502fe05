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
    for channel in doc["channels"].values():
        assert channel["bindings"]["amqp"]["exchange"]["name"] == "sendpb.events"


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
