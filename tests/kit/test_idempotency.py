"""Idempotency-Key: replay, conflict on a different body, and two concurrent requests with one key."""
import asyncio

from kit.testing import LA, auth, running_service
from tests.kit.probe.app import create_app

CASEWORK = auth("casework")


async def test_the_same_key_and_body_replays_the_first_response(backend):
    async with running_service(create_app, backend, service="probe") as svc:
        headers = {**CASEWORK, "Idempotency-Key": "k-replay"}
        first = await svc.client.post("/v1/probe/notes", json={"local_authority": LA, "text": "a"}, headers=headers)
        again = await svc.client.post("/v1/probe/notes", json={"local_authority": LA, "text": "a"}, headers=headers)
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert again.headers["Idempotent-Replayed"] == "true"


async def test_the_same_key_with_another_body_is_a_422_naming_the_header(backend):
    async with running_service(create_app, backend, service="probe") as svc:
        headers = {**CASEWORK, "Idempotency-Key": "k-conflict"}
        await svc.client.post("/v1/probe/notes", json={"local_authority": LA, "text": "a"}, headers=headers)
        other = await svc.client.post("/v1/probe/notes", json={"local_authority": LA, "text": "b"}, headers=headers)
        assert other.status_code == 422
        assert other.headers["content-type"].startswith("application/problem+json")
        assert other.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_two_concurrent_requests_with_one_key_create_one_record(backend):
    async with running_service(create_app, backend, service="probe") as svc:
        headers = {**CASEWORK, "Idempotency-Key": "k-race"}
        body = {"local_authority": LA, "text": "race"}
        responses = await asyncio.gather(*(svc.client.post("/v1/probe/notes", json=body, headers=headers)
                                           for _ in range(5)))
        assert {r.status_code for r in responses} == {201}
        assert len({r.json()["id"] for r in responses}) == 1


async def test_a_rolled_back_request_does_not_burn_its_key(backend):
    async with running_service(create_app, backend, service="probe") as svc:
        headers = {**CASEWORK, "Idempotency-Key": "k-rollback"}
        body = {"local_authority": LA, "text": "explode-after-write"}
        assert (await svc.client.post("/v1/probe/notes", json=body, headers=headers)).status_code == 409
        assert (await svc.client.post("/v1/probe/notes", json=body, headers=headers)).status_code == 409
