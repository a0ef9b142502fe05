"""What only PostgreSQL can prove: truly parallel transactions racing for one result or version number."""
import asyncio

from kit.testing import LA, auth, running_service
from services.ras.app import create_app
from services.ras.service.examples import ecm_model
from tests.ras.helpers import answers_for, assessment_body, published_example

ADMIN = auth("ras-admin")
CASEWORK = auth("casework")


async def test_parallel_reassessments_and_new_versions_never_fork_the_history(real_backend):
    async with running_service(create_app, real_backend, service="ras") as svc:
        model = await published_example(svc.client, ADMIN, LA)
        first = (await svc.client.post("/v1/ras/assessments", headers=CASEWORK, json=assessment_body(
            LA, "C-race", answers_for(ecm_model(LA))))).json()

        def reassess(n: int):
            body = assessment_body(LA, "C-race", answers_for(ecm_model(LA), health=8 * n),
                                   supersedes_assessment_id=first["id"])
            return svc.client.post("/v1/ras/assessments", json=body, headers=CASEWORK)

        racing = await asyncio.gather(*(reassess(n) for n in range(4)))
        assert sorted(r.status_code for r in racing) == [201, 409, 409, 409]

        content = {k: v for k, v in ecm_model(LA).items() if k not in ("local_authority", "name")}
        url = f"/v1/ras/models/{model['id']}/versions"
        versions = await asyncio.gather(*(svc.client.post(url, json=content, headers=ADMIN) for _ in "abcd"))
        made = sorted(v.json()["version"] for v in versions if v.status_code == 201)
        assert all(v.status_code in (201, 409) for v in versions)
        assert made == list(range(2, 2 + len(made))) and made


async def test_BUD_12_parallel_assessments_of_one_child_complete_a_reassessment_request_once(real_backend):
    import uuid

    from kit.bus import Outgoing
    from kit.events import Envelope
    from kit.testing import eventually

    async with running_service(create_app, real_backend, service="ras") as svc:
        await published_example(svc.client, ADMIN, LA)
        child = f"C-race-{uuid.uuid4().hex[:8]}"
        event = Envelope(type="budget.reassessment_requested.v1", producer="budget", local_authority=LA, payload={
            "budget_id": str(uuid.uuid4()), "child_id": child, "local_authority": LA, "plan_reference": "EHCP-R",
            "review_id": str(uuid.uuid4()), "requested_on": "2027-03-03", "reason": "moved to a new school",
            "review_due": "2027-03-03"})
        await svc.runtime.bus.publish([Outgoing(event.type, event.to_bytes(), str(event.event_id))])

        async def listed():
            r = await svc.client.get("/v1/ras/reassessments", params={"child_id": child}, headers=CASEWORK)
            return r.json()["items"]

        [opened] = await eventually(listed)
        racing = await asyncio.gather(*(svc.client.post("/v1/ras/assessments", headers=CASEWORK, json=assessment_body(
            LA, child, answers_for(ecm_model(LA), health=8 * n))) for n in range(4)))
        assert [r.status_code for r in racing] == [201] * 4
        completing = [r.json()["id"] for r in racing if r.json()["reassessment_request_ids"] == [opened["id"]]]
        assert len(completing) == 1
        [done] = await listed()
        assert (done["status"], done["assessment_id"]) == ("completed", completing[0])
