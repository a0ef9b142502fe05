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
