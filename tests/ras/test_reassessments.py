"""BUD-12 in RAS: a change of circumstances recorded on a budget (``budget.reassessment_requested.v1``) asks for a
swift re-assessment. The request is recorded once, is due a bound of working days later, is completed by the next
assessment of the child and reads as overdue when it is not; on SQLite + the in-memory bus and on PostgreSQL +
RabbitMQ."""
from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date

import pytest

from kit.bus import Outgoing
from kit.events import Envelope
from kit.testing import LA, LA2, OTHER_LA, auth, eventually, running_service
from services.ras.app import create_app
from services.ras.domain.reassessment import DueDateOutOfRange, due_by, is_overdue
from services.ras.service.examples import ecm_model
from services.ras.settings import RasSettings
from tests.ras.helpers import answers_for, assessment_body, published_example

CASEWORK = auth("casework", las=[LA, LA2])
READ = auth("read", las=[LA, LA2])
ELSEWHERE = auth("casework", "read", "ras-admin", las=[OTHER_LA])
TYPE = "budget.reassessment_requested.v1"


# ------------------------------------------------------------------ the rule, pure
@pytest.mark.parametrize(("requested_on", "working_days", "due"), [
    (date(2027, 3, 3), 20, date(2027, 3, 31)),   # a Wednesday: four weeks later, a Wednesday
    (date(2027, 3, 5), 1, date(2027, 3, 8)),     # Friday + 1 working day: Monday
    (date(2027, 3, 5), 5, date(2027, 3, 12)),    # Friday + 5: the next Friday
    (date(2027, 3, 6), 1, date(2027, 3, 8)),     # Saturday: counting starts on Monday
    (date(2027, 3, 7), 5, date(2027, 3, 12)),    # Sunday + 5: Friday of the week after
    (date(2027, 3, 4), 2, date(2027, 3, 8)),     # Thursday + 2: over the weekend to Monday
    (date(2027, 3, 1), 7, date(2027, 3, 10)),    # Monday + 7: Wednesday of the next week
])
def test_BUD_12_a_reassessment_is_due_a_bound_of_working_days_after_the_change(requested_on, working_days, due):
    assert due_by(requested_on, working_days) == due
    assert due.weekday() < 5


def test_BUD_12_a_due_date_past_the_last_date_is_refused_by_name():
    with pytest.raises(DueDateOutOfRange, match="9999-12-31"):
        due_by(date(9999, 12, 20), 20)
    assert due_by(date(9999, 11, 1), 20) == date(9999, 11, 29)


def test_BUD_12_only_an_open_request_past_its_due_date_is_overdue():
    due = date(2027, 3, 31)
    assert not is_overdue(status="open", due_by=due, today=due)
    assert is_overdue(status="open", due_by=due, today=date(2027, 4, 1))
    assert not is_overdue(status="completed", due_by=due, today=date(2027, 4, 1))


def test_BUD_12_the_bound_is_set_per_local_authority():
    settings = RasSettings(reassessment_working_days={LA2: 10})
    assert (settings.reassessment_working_days_for(LA), settings.reassessment_working_days_for(LA2)) == (20, 10)


# ------------------------------------------------------------------ through the bus and the API
def requested(child_id: str, *, la: str = LA, requested_on: str = "2027-03-03", **payload) -> Envelope:
    body = {"budget_id": str(uuid.uuid4()), "child_id": child_id, "local_authority": la,
            "plan_reference": "EHCP-RA-1", "review_id": str(uuid.uuid4()), "requested_on": requested_on,
            "reason": "a new diagnosis of epilepsy", "review_due": requested_on, **payload}
    return Envelope(type=TYPE, producer="budget", local_authority=la, payload=body)


async def deliver(svc, *envelopes: Envelope) -> None:
    await svc.runtime.bus.publish([Outgoing(e.type, e.to_bytes(), str(e.event_id)) for e in envelopes])


async def requests_of(svc, child_id: str, headers=CASEWORK, **params) -> list[dict]:
    r = await svc.client.get("/v1/ras/reassessments", params={"child_id": child_id, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def child() -> str:
    return f"C-ra-{uuid.uuid4().hex[:8]}"


async def test_BUD_12_a_change_of_circumstances_opens_one_reassessment_which_the_next_assessment_completes(
        backend, clock):
    clock.set_to(date(2027, 3, 4), tick=True)
    bus = await backend.bus()
    announced: list[dict] = []

    async def tap(body: bytes) -> None:
        announced.append(json.loads(body))

    await bus.subscribe(f"ras-tap-{uuid.uuid4().hex[:8]}", ["ras.#"], tap)
    async with running_service(create_app, backend, service="ras", bus=bus) as svc:
        c = child()
        event = requested(c)
        await deliver(svc, event)
        [opened] = await eventually(lambda: requests_of(svc, c))
        assert opened | {"id": None, "received_at": None} == {
            "id": None, "budget_id": event.payload["budget_id"], "review_id": event.payload["review_id"],
            "plan_reference": "EHCP-RA-1", "child_id": c, "local_authority": LA,
            "reason": "a new diagnosis of epilepsy", "requested_on": "2027-03-03", "due_by": "2027-03-31",
            "status": "open", "overdue": False, "assessment_id": None, "completed_at": None, "received_at": None}

        await deliver(svc, event)  # redelivered: the inbox drops it, and the source event is unique anyway
        await asyncio.sleep(0.5)
        assert len(await requests_of(svc, c)) == 1

        await published_example(svc.client, auth("ras-admin", las=[LA]), LA)
        answers = answers_for(ecm_model(LA), education=42, health=21, social_care=116)
        assessed = await svc.client.post("/v1/ras/assessments", headers=CASEWORK,
                                         json=assessment_body(LA, c, answers))
        assert assessed.status_code == 201, assessed.text
        assessment = assessed.json()
        assert assessment["reassessment_request_ids"] == [opened["id"]]
        done = (await svc.client.get(f"/v1/ras/reassessments/{opened['id']}", headers=READ)).json()
        assert (done["status"], done["assessment_id"], done["overdue"]) == ("completed", assessment["id"], False)
        assert done["completed_at"] == assessment["completed_at"]
        read_back = await svc.client.get(f"/v1/ras/assessments/{assessment['id']}", headers=READ)
        assert read_back.json() == assessment

        [completed] = await eventually(lambda: [e for e in announced
                                                if e["payload"]["assessment_id"] == assessment["id"]])
        assert completed["payload"]["reassessment_request_ids"] == [opened["id"]]

        again = await svc.client.post("/v1/ras/assessments", headers=CASEWORK,
                                      json=assessment_body(LA, c, answers,
                                                           supersedes_assessment_id=assessment["id"]))
        assert again.json()["reassessment_request_ids"] == []  # nothing left open: completed once
        assert (await requests_of(svc, c, status="open")) == []
        assert [r["id"] for r in await requests_of(svc, c, status="completed")] == [opened["id"]]


async def test_BUD_12_another_las_request_is_not_found_and_not_listed(memory_backend):
    async with running_service(create_app, memory_backend, service="ras") as svc:
        c = child()
        await deliver(svc, requested(c))
        [opened] = await eventually(lambda: requests_of(svc, c))
        r = await svc.client.get(f"/v1/ras/reassessments/{opened['id']}", headers=ELSEWHERE)
        assert r.status_code == 404 and c not in r.text
        assert (await requests_of(svc, c, headers=ELSEWHERE)) == []
        assert (await requests_of(svc, c, headers=ELSEWHERE, local_authority=LA)) == []
        assert (await svc.client.get(f"/v1/ras/reassessments/{uuid.uuid4()}", headers=READ)).status_code == 404
        # An assessment of the same child id in another LA completes nothing here.
        await published_example(svc.client, auth("ras-admin", las=[LA2]), LA2)
        answers = answers_for(ecm_model(LA2), education=42)
        there = await svc.client.post("/v1/ras/assessments", headers=CASEWORK,
                                      json=assessment_body(LA2, c, answers))
        assert there.status_code == 201 and there.json()["reassessment_request_ids"] == []
        assert [r["status"] for r in await requests_of(svc, c)] == ["open"]


async def test_BUD_12_a_request_still_open_after_its_due_date_is_overdue(memory_backend, clock):
    settings = RasSettings(reassessment_working_days={LA2: 5})
    async with running_service(create_app, memory_backend, service="ras", settings=settings) as svc:
        c = child()
        clock.set_to(date(2027, 3, 10))
        await deliver(svc, requested(c, la=LA2, requested_on="2027-03-05"))  # a Friday; LA2 re-assesses in 5
        [opened] = await eventually(lambda: requests_of(svc, c))
        assert (opened["due_by"], opened["overdue"]) == ("2027-03-12", False)
        assert await requests_of(svc, c, overdue="true") == []

        clock.set_to(date(2027, 3, 15))
        [late] = await requests_of(svc, c, overdue="true")
        assert (late["id"], late["overdue"], late["status"]) == (opened["id"], True, "open")
        assert (await svc.client.get(f"/v1/ras/reassessments/{opened['id']}", headers=READ)).json()["overdue"]


async def test_BUD_12_the_list_is_paginated_and_its_filters_are_checked(memory_backend):
    async with running_service(create_app, memory_backend, service="ras") as svc:
        c = child()
        await deliver(svc, *(requested(c, reason=f"change {i}") for i in range(3)))
        await eventually(lambda: _count(svc, c, 3))
        first = (await svc.client.get("/v1/ras/reassessments", params={"child_id": c, "limit": 2},
                                      headers=READ)).json()
        assert len(first["items"]) == 2 and first["next_cursor"]
        rest = (await svc.client.get("/v1/ras/reassessments", headers=READ,
                                     params={"child_id": c, "limit": 2, "cursor": first["next_cursor"]})).json()
        assert len(rest["items"]) == 1 and rest["next_cursor"] is None
        assert {r["reason"] for r in first["items"] + rest["items"]} == {"change 0", "change 1", "change 2"}
        for params, field in (({"status": "closed"}, "status"), ({"local_authority": "nowhere"}, "local_authority"),
                              ({"cursor": "forged"}, "cursor")):
            r = await svc.client.get("/v1/ras/reassessments", params=params, headers=READ)
            assert r.status_code == 422, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert field in r.text
        assert (await svc.client.get("/v1/ras/reassessments")).status_code == 401
        assert (await svc.client.get("/v1/ras/reassessments", headers=auth("finance"))).status_code == 403


async def _count(svc, child_id: str, n: int) -> bool:
    return len(await requests_of(svc, child_id)) == n


@pytest.mark.parametrize(("payload", "reason"), [
    ({"child_id": None}, "payload is not readable"),
    ({"requested_on": "soon"}, "payload is not readable"),
    ({"reason": ""}, "payload is not readable"),
    ({"requested_on": "9999-12-20"}, "past 9999-12-31"),
    ({"local_authority": LA2}, "is not the envelope's"),
])
async def test_BUD_12_a_request_that_can_never_be_recorded_is_dead_lettered_with_its_reason(
        memory_backend, payload, reason):
    async with running_service(create_app, memory_backend, service="ras") as svc:
        c = child()
        event = requested(c)
        event.payload.update(payload)
        await deliver(svc, event)
        [letter] = await eventually(lambda: svc.runtime.bus.take_dead_letters("ras"))
        assert reason in letter.reason and letter.routing_key == TYPE and letter.attempts == 1
        assert await requests_of(svc, c) == []
        await deliver(svc, requested(c))  # the consumer goes on with the next event
        await eventually(lambda: requests_of(svc, c))
