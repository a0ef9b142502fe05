"""CON-10: a child's provision lines name the block contracts that serve them (budget: `contract_id` on a line,
published in budget.provision_added.v1), contracts lists the children each contract serves within the caller's LA,
and the family summary of each contract (CON-07) reaches them. A line naming no contract of its own LA is recorded
as unmatched, never dead-lettered. The budget and contracts services on one bus, on both backends; then through the
gateway of the embedded platform."""
from __future__ import annotations

import uuid

from kit.bus import Outgoing
from kit.events import Envelope
from kit.testing import LA, OTHER_LA, auth, eventually, running_service
from services.budget.app import create_app as budget_app
from services.contracts.app import create_app as contracts_app
from services.contracts.domain.children import NOT_OURS, match, serving
from tests.budget.helpers import line, new_budget
from tests.contracts.conftest import COMMISSIONING, READ, contract_body

HERE = auth("casework", "read", "commissioning", las=[LA])
THERE = auth("casework", "read", "commissioning", las=[OTHER_LA])


def test_CON_10_a_line_serves_a_child_under_a_contract_of_its_own_la_only():
    assert match(contract_la=LA, line_la=LA).serves
    unknown, other = match(contract_la=None, line_la=LA), match(contract_la=OTHER_LA, line_la=LA)
    assert (unknown.status, unknown.reason) == (other.status, other.reason) == ("unmatched", NOT_OURS)
    assert serving("agreed") and serving("open") and serving(None) and not serving("closed")


def child() -> str:
    return f"C-con10-{uuid.uuid4().hex[:8]}"


async def budget_with(client, headers, *, la: str = LA, contract_ids: list[str | None]) -> dict:
    r = await client.post("/v1/budgets", json=new_budget(child(), la=la, indicative={"health": 500_000}),
                          headers=headers)
    assert r.status_code == 201, r.text
    budget = r.json()
    budget["lines"] = []
    for cid in contract_ids:
        added = await client.post(f"/v1/budgets/{budget['id']}/provisions", headers=headers,
                                  json=line("health", 100_000, category="therapy", arrangement="notional",
                                            contract_id=cid))
        assert added.status_code == 201, added.text
        assert added.json()["contract_id"] == cid
        budget["lines"].append(added.json()["id"])
    return budget


async def test_CON_10_lines_naming_a_contract_list_the_child_under_it_and_reach_them_with_its_summary(backend):
    bus = await backend.bus()
    async with running_service(budget_app, backend, service="budget", bus=bus) as budget, \
            running_service(contracts_app, backend, service="contracts", bus=bus) as contracts:
        made = await contracts.client.post("/v1/contracts", json=contract_body(), headers=COMMISSIONING)
        assert made.status_code == 201, made.text
        c = made.json()
        theirs = (await contracts.client.post("/v1/contracts", headers=THERE,
                                              json=contract_body(local_authority=OTHER_LA))).json()
        served = await budget_with(budget.client, HERE, contract_ids=[c["id"], c["id"], None])
        second = await budget_with(budget.client, HERE, contract_ids=[c["id"], theirs["id"]])
        stray = await budget_with(budget.client, HERE, contract_ids=[str(uuid.uuid4())])
        across = await budget_with(budget.client, THERE, la=OTHER_LA, contract_ids=[c["id"]])
        url = f"/v1/contracts/{c['id']}/children"

        async def listed():
            page = (await contracts.client.get(url, headers=READ)).json()
            return page if len(page["items"]) == 2 else None

        page = await eventually(listed)
        first, newer = page["items"][1], page["items"][0]  # newest first
        assert (first["child_id"], first["budget_id"]) == (served["child_id"], served["id"])
        assert first["provision_ids"] == served["lines"][:2] and first["local_authority"] == LA
        assert first["links"] == {"summary": f"/v1/contracts/{c['id']}/summary",
                                  "child_summaries": f"/v1/contracts/children/{served['child_id']}/summaries"}
        assert newer["child_id"] == second["child_id"] and newer["provision_ids"] == second["lines"][:1]
        one = (await contracts.client.get(url, params={"limit": 1}, headers=READ)).json()
        assert [i["child_id"] for i in one["items"]] == [second["child_id"]] and one["next_cursor"]
        rest = (await contracts.client.get(url, params={"limit": 1, "cursor": one["next_cursor"]},
                                           headers=READ)).json()
        assert [i["child_id"] for i in rest["items"]] == [served["child_id"]] and rest["next_cursor"] is None

        # The family summary (CON-07) of every contract serving the child reaches them.
        mine = (await contracts.client.get(first["links"]["child_summaries"], headers=READ)).json()
        expected = (await contracts.client.get(first["links"]["summary"], headers=READ)).json()
        assert mine["child_id"] == served["child_id"]
        assert [(i["contract_id"], i["summary"]) for i in mine["items"]] == [(c["id"], expected)]

        # Lines naming no contract of their own LA are unmatched there, with one reason, and serve nobody.
        async def unmatched(headers, n):
            items = (await contracts.client.get("/v1/contracts/unmatched-provision", headers=headers,
                                                params={"limit": 500})).json()["items"]
            ours = [i for i in items if i["budget_id"] in {second["id"], stray["id"], across["id"]}]
            return ours if len(ours) == n else None

        here = await eventually(lambda: unmatched(HERE, 2))
        assert {(i["provision_id"], i["reason"]) for i in here} == {(second["lines"][1], NOT_OURS),
                                                                    (stray["lines"][0], NOT_OURS)}
        [there] = await eventually(lambda: unmatched(THERE, 1))
        assert there["provision_id"] == across["lines"][0] and there["contract_id"] == c["id"]
        assert (await contracts.client.get(f"/v1/contracts/{theirs['id']}/children", headers=THERE)
                ).json()["items"] == []

        # Tenancy: another LA's contract and another LA's child are 404, never revealed.
        for path in (url, first["links"]["child_summaries"]):
            r = await contracts.client.get(path, headers=THERE)
            # (the problem's `instance` is the path asked for; nothing else names the child or the contract)
            assert r.status_code == 404 and served["child_id"] not in r.json()["detail"], r.text
            assert "Bucks Therapy" not in r.text and "summary" not in r.json()
        # The child of a budget contracts knows, served by nothing: an empty list; an unknown child: 404.
        none = (await contracts.client.get(f"/v1/contracts/children/{stray['child_id']}/summaries",
                                           headers=READ)).json()
        assert none == {"child_id": stray["child_id"], "items": []}
        assert (await contracts.client.get(f"/v1/contracts/children/{child()}/summaries", headers=READ)
                ).status_code == 404

        # A redelivered line changes nothing; a closed budget's child is no longer served.
        again = Envelope(type="budget.provision_added.v1", producer="budget", local_authority=LA, payload={
            "budget_id": served["id"], "child_id": served["child_id"], "local_authority": LA,
            "provision_id": served["lines"][0], "stream": "health", "category": "therapy",
            "arrangement": "notional", "annual_cost_pence": 100_000, "contract_id": c["id"],
            "budget_status": "draft", "added_at": "2026-12-01T10:00:00+00:00"})
        await bus.publish([Outgoing(again.type, again.to_bytes(), str(again.event_id))])
        closed = await budget.client.post(f"/v1/budgets/{served['id']}/close", headers=HERE)
        assert closed.status_code == 200, closed.text

        async def dropped():
            page = (await contracts.client.get(url, headers=READ)).json()
            return page if [i["child_id"] for i in page["items"]] == [second["child_id"]] else None

        await eventually(dropped)
        assert (await contracts.client.get(first["links"]["child_summaries"], headers=READ)).json()["items"] == []
