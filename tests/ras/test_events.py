"""``ras.assessment_completed.v1`` leaves through the outbox and reaches a consumer queue exactly once, with
the payload of docs/events.md (SQLite + in-memory bus, and PostgreSQL + RabbitMQ)."""
import asyncio
import json

from kit.testing import LA, auth, eventually, running_service
from services.ras.app import create_app
from services.ras.events import ASSESSMENT_COMPLETED, OWNED
from services.ras.service.examples import ecm_model
from tests.ras.helpers import answers_for, assessment_body, published_example

PAYLOAD_FIELDS = {"assessment_id", "supersedes_assessment_id", "child_id", "local_authority", "model_id",
                  "model_version", "points", "indicative_pence", "total_indicative_pence",
                  "referred_to_panel",
                  "referred_streams", "completed_at",
                  "reassessment_request_ids"}  # additive within v1 (BUD-12)


async def test_an_assessment_is_announced_once_with_the_contract_payload(backend):
    bus = await backend.bus()
    received: list[dict] = []

    async def tap(body: bytes) -> None:
        received.append(json.loads(body))

    await bus.subscribe("ras-events-tap", ["ras.#"], tap)
    async with running_service(create_app, backend, service="ras", bus=bus) as svc:
        model = await published_example(svc.client, auth("ras-admin"), LA)
        answers = answers_for(ecm_model(LA), education=49, health=8, social_care=186)
        created = await svc.client.post("/v1/ras/assessments", headers=auth("casework"),
                                        json=assessment_body(LA, "C-events", answers))
        result = created.json()
        mine = lambda: [e for e in received if e["payload"]["assessment_id"] == result["id"]]  # noqa: E731
        await eventually(mine)
        await asyncio.sleep(0.5)  # time for a duplicate to show up, if there were one
        assert len(mine()) == 1
        event = mine()[0]
        assert (event["type"], event["producer"], event["local_authority"]) == (
            "ras.assessment_completed.v1", "ras", LA)
        assert set(event["payload"]) == PAYLOAD_FIELDS
        assert event["payload"] | {"completed_at": None} == {
            "assessment_id": result["id"], "supersedes_assessment_id": None, "child_id": "C-events",
            "local_authority": LA, "model_id": model["id"], "model_version": 1,
            "points": {"education": 49, "health": 8, "social_care": 186},
            "indicative_pence": {"education": 490_000, "health": 60_000}, "total_indicative_pence": 550_000,
            "referred_to_panel": True, "referred_streams": ["social_care"], "completed_at": None,
            "reassessment_request_ids": []}
        assert event["payload"]["completed_at"].endswith("Z")
        assert await svc.runtime.relay.pending() == 0


def test_the_asyncapi_schema_names_exactly_the_v1_fields():
    schema = OWNED[ASSESSMENT_COMPLETED].model_json_schema()
    assert set(schema["properties"]) == PAYLOAD_FIELDS
