"""Admission control (issue 21): a service process works on at most SENDPB_MAX_REQUESTS_IN_FLIGHT requests at once;
one more is answered at once with 503 problem+json and Retry-After, never queued until the caller times out. Health,
readiness and metrics are never shed. No timed assertions: requests are held open by a gate the test releases."""
import asyncio
from collections.abc import AsyncIterator

import pytest
from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from kit.middleware import AdmissionLimit
from kit.service import _session, never_shed
from kit.settings import REQUESTS_PER_CONNECTION, PlatformSettings
from kit.testing import auth, running_service
from tests.kit.probe.app import create_app

READER = auth("read")


class Gate:
    """Holds each request that reaches it until released, and says how many are waiting."""

    def __init__(self) -> None:
        self.open, self.waiting, self.arrived = asyncio.Event(), 0, asyncio.Condition()

    async def wait_through(self) -> None:
        async with self.arrived:
            self.waiting += 1
            self.arrived.notify_all()
        await self.open.wait()

    async def until_waiting(self, n: int) -> None:
        async with self.arrived:
            await self.arrived.wait_for(lambda: self.waiting >= n)


async def shed_before_the_handler(gate: Gate, request) -> object:
    """The answer to ``request``, which must come without the request reaching the gate (where it would wait for
    ever): whichever happens first, its answer or its arrival at the gate, decides, with no clock involved."""
    answered = asyncio.ensure_future(request)
    arrived = asyncio.ensure_future(gate.until_waiting(gate.waiting + 1))
    await asyncio.wait({answered, arrived}, return_when=asyncio.FIRST_COMPLETED)
    arrived.cancel()
    assert answered.done(), "the request over the limit was admitted and reached its handler"
    return answered.result()


@pytest.fixture
async def held():
    """The probe service admitting 2 requests at once, whose transactions wait at a gate before they start."""
    gate = Gate()

    async def gated_session(request: Request) -> AsyncIterator[AsyncSession]:
        await gate.wait_through()
        async with request.app.state.runtime.db.transaction() as session:
            yield session

    yield gate, gated_session


async def test_the_request_over_the_limit_is_503_problem_json_with_retry_after_at_once(memory_backend, held):
    gate, gated_session = held
    async with running_service(create_app, memory_backend, service="probe", max_requests_in_flight=2) as svc:
        svc.app.dependency_overrides[_session] = gated_session
        admitted = [asyncio.create_task(svc.client.get("/v1/probe/seen", headers=READER)) for _ in range(2)]
        await gate.until_waiting(2)

        shed = await shed_before_the_handler(gate, svc.client.get("/v1/probe/seen", headers=READER))

        assert shed.status_code == 503, shed.text
        assert shed.headers["content-type"] == "application/problem+json"
        assert shed.headers["retry-after"] == "1"
        problem = shed.json()
        assert problem["type"].endswith("/overloaded") and problem["status"] == 503
        assert "2 requests in progress" in problem["detail"] and "SENDPB_MAX_REQUESTS_IN_FLIGHT" in problem["detail"]
        gate.open.set()
        assert [r.status_code for r in await asyncio.gather(*admitted)] == [200, 200]


async def test_health_readiness_and_metrics_are_never_shed(memory_backend, held):
    gate, gated_session = held
    async with running_service(create_app, memory_backend, service="probe", max_requests_in_flight=1) as svc:
        svc.app.dependency_overrides[_session] = gated_session
        admitted = asyncio.create_task(svc.client.get("/v1/probe/seen", headers=READER))
        await gate.until_waiting(1)

        for path in sorted(never_shed("probe")):
            assert (await svc.client.get(path)).status_code == 200, path
        shed = await shed_before_the_handler(gate, svc.client.get("/v1/probe/seen", headers=READER))
        assert shed.status_code == 503
        gate.open.set()
        assert (await admitted).status_code == 200


async def test_a_freed_slot_serves_the_next_request(memory_backend, held):
    gate, gated_session = held
    async with running_service(create_app, memory_backend, service="probe", max_requests_in_flight=1) as svc:
        svc.app.dependency_overrides[_session] = gated_session
        first = asyncio.create_task(svc.client.get("/v1/probe/seen", headers=READER))
        await gate.until_waiting(1)
        shed = await shed_before_the_handler(gate, svc.client.get("/v1/probe/seen", headers=READER))
        assert shed.status_code == 503
        gate.open.set()
        assert (await first).status_code == 200

        assert (await svc.client.get("/v1/probe/seen", headers=READER)).status_code == 200


async def test_a_request_that_fails_frees_its_slot():
    async def failing(scope, receive, send):
        raise RuntimeError("the handler failed")

    limited = AdmissionLimit(failing, service="probe", limit=1)
    for _ in range(3):
        with pytest.raises(RuntimeError):
            await limited({"type": "http", "path": "/v1/probe/seen", "headers": []}, None, None)
    assert limited.in_progress == 0


def test_the_default_limit_is_a_few_requests_per_pooled_connection():
    assert PlatformSettings().requests_in_flight() == REQUESTS_PER_CONNECTION * (10 + 5) == 60
    assert PlatformSettings(db_pool_size=20, db_max_overflow=0).requests_in_flight() == 80
    assert PlatformSettings(max_requests_in_flight=7).requests_in_flight() == 7
