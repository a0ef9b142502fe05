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


async def test_every_published_payload_has_exactly_the_v1_shape(backend, clock):
    """Both events, on both backends: a decline (ELIG-12) in request_decided, and the job telling adult social care
    about a young person approaching 18 (ELIG-14) once, whoever runs it again."""
    from datetime import date

    from services.eligibility.events import PUBLISHED

    clock.set_to(date(2026, 12, 3))
    bus, received = await tapped(backend)
    async with running_service(create_app, backend, service="eligibility", bus=bus) as svc:
        made = await submit(svc.client, date_of_birth="2009-02-01", requested_on="2026-12-01")
        declined = await svc.client.post(f"{BASE}/{made['id']}/decline", headers=CASEWORK, json={
            "ground": "harm_to_others", "reason": "The shared speech therapy service would lose a post.",
            "evidence": [{"description": "Commissioner's note", "reference": "DOC-9"}], "arrangements": ["notional"]})
        assert declined.status_code == 201, declined.text
        assert await svc.runtime.jobs.run_once("announce-adulthood") >= 1
        assert await svc.runtime.jobs.run_once("announce-adulthood") == 0
        mine = lambda: [e for e in received if e.payload.get("request_id") == made["id"]]  # noqa: E731
        events = await eventually(lambda: mine() if len(mine()) >= 3 else None)
        await asyncio.sleep(0.5)
        events = mine()
    assert sorted(e.type for e in events) == sorted(["eligibility.adulthood_approaching.v1",
                                                    *["eligibility.request_decided.v1"] * 2])
    assert set(PUBLISHED) == {e.type for e in events} == set(OWNED)
    for envelope in events:
        PUBLISHED[envelope.type].model_validate(envelope.payload)
    [decline] = [e for e in events if e.payload.get("supersedes_decision_id")][0].payload["declines"]
    assert decline["ground"] == "harm_to_others" and decline["arrangements"] == ["notional"]
    [told] = [e for e in events if e.type == "eligibility.adulthood_approaching.v1"]
    assert told.payload["turns_18_on"] == "2027-02-01" and told.payload["decision_id"] == declined.json()["decision_id"]
    assert told.payload["handover"]["allowed_arrangements"] == ["direct_payment"]
