"""``eligibility.request_decided.v1`` through the outbox, on SQLite + in-memory bus and on PostgreSQL +
RabbitMQ."""
import asyncio
import json

from kit.testing import eventually, running_service
from services.eligibility.app import create_app
from services.eligibility.events import OWNED, REQUEST_DECIDED
from tests.eligibility.helpers import ADDED_IN_V1, BASE, CASEWORK, EVENT_FIELDS, READER, submit, tapped


async def test_each_decision_is_published_exactly_once_with_the_v1_payload(backend):
    bus, received = await tapped(backend)
    async with running_service(create_app, backend, service="eligibility", bus=bus) as svc:
        made = await submit(svc.client, recipient={"role": "parent", "capable_of_managing": True,
                                                   "consents": True, "drug_or_alcohol_requirement": True})
        reviewed = await svc.client.post(f"{BASE}/{made['id']}/review", json={"reason": "please look again"},
                                         headers=CASEWORK)
        mine = lambda: [e for e in received if e.payload["request_id"] == made["id"]]  # noqa: E731
        await eventually(lambda: len(mine()) >= 2)
        await asyncio.sleep(0.5)  # room for a duplicate to show up
        events = mine()
    assert len(events) == 2 and len({e.event_id for e in events}) == 2
    first, second = sorted(events, key=lambda e: e.payload["supersedes_decision_id"] is not None)
    assert first.type == "eligibility.request_decided.v1" and first.producer == "eligibility"
    assert first.local_authority == made["local_authority"]
    assert set(first.payload) == EVENT_FIELDS
    assert first.payload["decision_id"] == made["decision_id"]
    assert first.payload["supersedes_decision_id"] is None
    assert second.payload["decision_id"] == reviewed.json()["decision_id"]
    assert second.payload["supersedes_decision_id"] == made["decision_id"]
    assert first.payload["status"] == "eligible"
    assert first.payload["eligible_streams"] == ["education", "health"]
    assert first.payload["allowed_arrangements"] == ["notional"]
    assert first.payload["arrangements"]["direct_payment"] == made["arrangements"]["direct_payment"]
    assert first.payload["requested_on"] == "2026-11-22" and first.payload["rules_version"] == "2027.01"
    assert first.payload["decided_at"].endswith("Z")


async def test_concurrent_reviews_keep_one_line_of_decisions_and_one_event_each(backend):
    """Two reviews of the same decision at once: never two successors (unique supersedes_decision_id); a
    review that loses is a 409 and leaves no decision and no event behind."""
    bus, received = await tapped(backend)
    async with running_service(create_app, backend, service="eligibility", bus=bus) as svc:
        made = await submit(svc.client)
        responses = await asyncio.gather(*[
            svc.client.post(f"{BASE}/{made['id']}/review", json={"reason": f"review {n}"}, headers=CASEWORK)
            for n in range(3)])
        statuses = sorted(r.status_code for r in responses)
        history = (await svc.client.get(f"{BASE}/{made['id']}/decisions", headers=READER)).json()["items"]
        await eventually(lambda: len([e for e in received if e.payload["request_id"] == made["id"]])
                         >= len(history))
        await asyncio.sleep(0.5)
        events = [e for e in received if e.payload["request_id"] == made["id"]]
    assert set(statuses) <= {201, 409} and 201 in statuses
    assert all(r.headers["content-type"].startswith("application/problem+json")
               for r in responses if r.status_code == 409)
    assert len(history) == 1 + statuses.count(201)
    assert [d["current"] for d in history] == [True] + [False] * (len(history) - 1)
    chain = [d["supersedes_decision_id"] for d in history]
    assert chain == [d["decision_id"] for d in history[1:]] + [None], json.dumps(chain)
    assert sorted(e.payload["decision_id"] for e in events) == sorted(d["decision_id"] for d in history)


def test_the_asyncapi_schema_of_the_event_names_exactly_the_v1_fields():
    schema = OWNED[REQUEST_DECIDED].model_json_schema()
    assert set(schema["properties"]) == EVENT_FIELDS
    assert set(schema["required"]) == EVENT_FIELDS - ADDED_IN_V1
