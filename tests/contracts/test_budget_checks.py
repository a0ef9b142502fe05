"""A release lands on the right child's budget or not at all (BUD-01, BUD-06, BUD-08, CON-04): contracts checks a
transfer against what it knows of budgets before any capacity is used, and gives the units back when the budget
refuses a release that passed (it closed in between). On both backends."""
from __future__ import annotations

import uuid

from kit.bus import Outgoing
from kit.events import Envelope
from kit.testing import LA, OTHER_LA, eventually, running_service
from services.contracts.app import create_app
from tests.contracts.conftest import CASEWORK, READ, know_budget, new_contract, transfer_body

B_THIS = "0b9d3a52-6b8e-4a52-9d0e-2f4f3c1c0101"
B_OTHER_LA = "0b9d3a52-6b8e-4a52-9d0e-2f4f3c1c0102"
B_CLOSED = "0b9d3a52-6b8e-4a52-9d0e-2f4f3c1c0103"
B_RACE = "0b9d3a52-6b8e-4a52-9d0e-2f4f3c1c0104"


async def test_BUD_08_a_transfer_into_no_budget_another_childs_another_las_or_a_closed_one_is_refused_using_nothing(
        backend):
    async with running_service(create_app, backend, service="contracts") as svc:
        c = await new_contract(svc.client)
        url = f"/v1/contracts/{c['id']}/transfer-requests"
        await know_budget(svc.runtime, budget_id=B_THIS, child_id="C-this")
        await know_budget(svc.runtime, budget_id=B_OTHER_LA, child_id="C-this", la=OTHER_LA)
        await know_budget(svc.runtime, budget_id=B_CLOSED, child_id="C-closed", status="closed",
                          closed_on="2026-11-30")
        cases = [(transfer_body(budget_id=str(uuid.uuid4()), child_id="C-this"), "BUD-08", "budget_id"),
                 (transfer_body(budget_id=B_OTHER_LA, child_id="C-this"), "BUD-08", "budget_id"),
                 (transfer_body(budget_id=B_THIS, child_id="C-someone-else"), "BUD-01", "child_id"),
                 (transfer_body(budget_id=B_CLOSED, child_id="C-closed"), "BUD-06", "budget_id")]
        for body, rule, field in cases:
            r = await svc.client.post(url, json=body, headers=CASEWORK)
            assert r.status_code == 409 and r.json()["rule"] == rule, r.text
            assert r.json()["errors"][0]["field"] == field
        after = (await svc.client.get(f"/v1/contracts/{c['id']}", headers=READ)).json()
        assert (after["release"]["released_units"], after["release"]["released_pence"]) == (0, 0)
        ok = await svc.client.post(url, json=transfer_body(budget_id=B_THIS, child_id="C-this"), headers=CASEWORK)
        assert ok.status_code == 201 and ok.json()["decision"] == "approved"


async def test_BUD_08_a_release_the_budget_refuses_gives_the_units_back_and_says_why(backend):
    bus = await backend.bus()
    returned: list[dict] = []

    async def tap(body: bytes) -> None:
        returned.append(Envelope.from_bytes(body).payload)

    await bus.subscribe("returns-tap", ["contracts.funds_returned.v1"], tap)
    async with running_service(create_app, backend, service="contracts", bus=bus) as svc:
        await know_budget(svc.runtime, budget_id=B_RACE, child_id="C-race")
        c = await new_contract(svc.client)
        t = (await svc.client.post(f"/v1/contracts/{c['id']}/transfer-requests",
                                   json=transfer_body(budget_id=B_RACE, child_id="C-race"), headers=CASEWORK)).json()
        assert t["decision"] == "approved"
        refusal = Envelope(type="budget.booking_refused.v1", producer="budget", local_authority=LA, payload={
            "refused_event_type": "contracts.funds_released.v1", "refused_event_id": str(uuid.uuid4()),
            "budget_id": B_RACE, "child_id": "C-race", "local_authority": LA, "stream": "health",
            "amount_pence": t["release_pence"], "transfer_id": t["id"], "payment_id": None, "recovery_id": None,
            "rule": "BUD-06", "reason": "the budget is closed: nothing more is released into it"})
        for _ in range(2):  # redelivered: the units come back once
            await bus.publish([Outgoing(refusal.type, refusal.to_bytes(), str(uuid.uuid4()))])

        async def refused():
            r = (await svc.client.get(f"/v1/contracts/transfers/{t['id']}", headers=READ)).json()
            return r if r["status"] == "refused_by_budget" else None

        seen = await eventually(refused)
        assert seen["refusal"] == {"rule": "BUD-06",
                                   "reason": "the budget is closed: nothing more is released into it"}
        await eventually(lambda: returned)
        assert len(returned) == 1 and returned[0]["transfer_id"] == t["id"]
        assert returned[0]["reason"].startswith("refused by the budget (BUD-06)")
        after = (await svc.client.get(f"/v1/contracts/{c['id']}", headers=READ)).json()
        assert (after["release"]["released_units"], after["release"]["released_pence"]) == (0, 0)
        withdraw = await svc.client.post(f"/v1/contracts/transfers/{t['id']}/withdraw", headers=CASEWORK,
                                         json={"reason": "too late"})
        assert withdraw.status_code == 409

