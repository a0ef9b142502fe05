"""CON-09: where the family provides a service itself (CON-06d), the LA asks for evidence of delivery by a due date,
records what it received, and what is not evidenced by then is due a review, never an automatic clawback. On both
backends; the dates come from the platform's clock, never from today's."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from kit.tables import outbox
from kit.testing import OTHER_LA, auth, running_service
from services.contracts.app import create_app
from tests.contracts.conftest import (
    CASEWORK,
    COMMISSIONING,
    KNOWN_BUDGET,
    READ,
    know_budget,
    new_contract,
    transfer_body,
)

D = date(2026, 11, 25)
REVIEW = {"rule": "CON-09", "reason": "not evidenced: a review, never an automatic clawback (CON-09)"}


def on(days: int) -> str:
    return str(D + timedelta(days=days))


async def family_provision(svc, **overrides) -> tuple[dict, dict]:
    """A contract running around ``D`` and a transfer from it (an approved family provision unless overridden)."""
    c = await new_contract(svc.client, start_date=on(-200), end_date=on(900), renewal_date=on(160))
    body = transfer_body(**{"evidence": {"provided_by": "mother", "wishes_recorded_on": on(-1)}, **overrides})
    t = await svc.client.post(f"/v1/contracts/{c['id']}/transfer-requests", json=body, headers=CASEWORK)
    assert t.status_code == 201, t.text
    return c, t.json()


def asked(svc, transfer_id: str, *, due_on: str, headers=CASEWORK, what="Timesheets of the hours provided"):
    return svc.client.post(f"/v1/contracts/transfers/{transfer_id}/evidence-requests", headers=headers,
                           json={"due_on": due_on, "what": what})


def evidence(svc, transfer_id: str, request_id: str, *, received_on: str, headers=CASEWORK):
    return svc.client.post(f"/v1/contracts/transfers/{transfer_id}/evidence-requests/{request_id}/evidence",
                           headers=headers, json={"received_on": received_on,
                                                  "description": "Signed timesheets for September and October"})


async def overdue(svc, transfer: dict, headers=READ) -> list[dict]:
    """The LA's overdue requests that are on ``transfer`` (the real backend's database is shared between tests)."""
    r = await svc.client.get("/v1/contracts/evidence-requests", params={"overdue": "true", "limit": 500},
                             headers=headers)
    assert r.status_code == 200, r.text
    return [x for x in r.json()["items"] if x["transfer_id"] == transfer["id"]]


async def events_written(svc) -> int:
    async with svc.runtime.db.transaction() as session:
        return (await session.execute(select(func.count()).select_from(outbox))).scalar_one()


async def test_CON_09_unevidenced_family_provision_leads_to_a_review_never_a_clawback(backend, clock):
    clock.set_to(D, tick=True)
    async with running_service(create_app, backend, service="contracts") as svc:
        await know_budget(svc.runtime, **{k: KNOWN_BUDGET[k] for k in ("budget_id", "child_id")})
        c, t = await family_provision(svc)
        r = await asked(svc, t["id"], due_on=on(30), headers=COMMISSIONING)
        assert r.status_code == 201, r.text
        request = r.json()
        assert (request["status"], request["overdue"], request["review"]) == ("open", False, None)
        assert (request["due_on"], request["child_id"], request["transfer_id"]) == (on(30), t["child_id"], t["id"])
        written = await events_written(svc)

        clock.set_to(D + timedelta(days=30), tick=True)
        assert await overdue(svc, t) == []  # due today is not overdue yet

        clock.set_to(D + timedelta(days=31), tick=True)
        [late] = await overdue(svc, t)
        assert (late["id"], late["status"], late["overdue"], late["review"]) == (request["id"], "review_due", True,
                                                                                 REVIEW)
        of_transfer = (await svc.client.get(f"/v1/contracts/transfers/{t['id']}/evidence-requests",
                                            headers=READ)).json()["items"]
        assert [(x["id"], x["status"]) for x in of_transfer] == [(request["id"], "review_due")]
        # Nothing moved: the release stands, the contract has no units back, and no event was written.
        transfer = (await svc.client.get(f"/v1/contracts/transfers/{t['id']}", headers=READ)).json()
        assert (transfer["status"], transfer["release_pence"]) == ("active", t["release_pence"])
        contract = (await svc.client.get(f"/v1/contracts/{c['id']}", headers=READ)).json()
        assert (contract["release"]["released_units"], contract["release"]["released_pence"]) == (
            t["units"], t["release_pence"])
        assert await events_written(svc) == written


async def test_CON_09_evidence_recorded_closes_the_request_even_after_its_due_date_once(backend, clock):
    clock.set_to(D, tick=True)
    async with running_service(create_app, backend, service="contracts") as svc:
        await know_budget(svc.runtime, **{k: KNOWN_BUDGET[k] for k in ("budget_id", "child_id")})
        _, t = await family_provision(svc)
        on_time = (await asked(svc, t["id"], due_on=on(10))).json()
        late = (await asked(svc, t["id"], due_on=on(20), what="Receipts for the equipment")).json()

        clock.set_to(D + timedelta(days=25), tick=True)
        assert {x["id"] for x in await overdue(svc, t)} == {on_time["id"], late["id"]}
        r = await evidence(svc, t["id"], on_time["id"], received_on=on(9))
        assert r.status_code == 200, r.text
        closed = r.json()
        assert (closed["status"], closed["overdue"], closed["review"], closed["received_on"]) == (
            "evidenced", False, None, on(9))
        assert closed["description"] == "Signed timesheets for September and October"
        assert closed["evidenced_by"] == "test-client"
        r = await evidence(svc, t["id"], late["id"], received_on=on(24), headers=COMMISSIONING)
        assert r.status_code == 200 and r.json()["status"] == "evidenced"  # late evidence closes it too
        assert await overdue(svc, t) == []

        again = await evidence(svc, t["id"], on_time["id"], received_on=on(25))
        assert again.status_code == 409 and again.json()["rule"] == "CON-09", again.text


async def test_CON_09_evidence_is_asked_for_only_on_an_active_family_provision_transfer(backend, clock):
    clock.set_to(D, tick=True)
    async with running_service(create_app, backend, service="contracts") as svc:
        await know_budget(svc.runtime, **{k: KNOWN_BUDGET[k] for k in ("budget_id", "child_id")})
        _, combined = await family_provision(svc, route="combined_services", evidence={
            "combined_with": ["transport"], "total_cost_before_pence": 200_000, "total_cost_after_pence": 150_000})
        _, withdrawn = await family_provision(svc)
        r = await svc.client.post(f"/v1/contracts/transfers/{withdrawn['id']}/withdraw", headers=CASEWORK,
                                  json={"reason": "The family chose the block service"})
        assert r.status_code == 200
        for t, words in ((combined, "family_provision"), (withdrawn, "withdrawn")):
            r = await asked(svc, t["id"], due_on=on(30))
            assert r.status_code == 409 and r.json()["rule"] == "CON-09", r.text
            assert words in r.json()["detail"]
            listed = await svc.client.get(f"/v1/contracts/transfers/{t['id']}/evidence-requests", headers=READ)
            assert listed.json()["items"] == []


async def test_CON_09_a_due_date_is_today_to_a_year_ahead_and_evidence_is_not_dated_before_the_ask_or_ahead(
        svc, clock):
    clock.set_to(D, tick=True)
    _, t = await family_provision(svc)
    for due_on in (on(-1), str(date(2027, 11, 26))):
        r = await asked(svc, t["id"], due_on=due_on)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "due_on", r.text
    for due_on in (on(0), str(date(2027, 11, 25))):
        assert (await asked(svc, t["id"], due_on=due_on)).status_code == 201
    request = (await asked(svc, t["id"], due_on=on(30))).json()
    for received_on in (on(-1), on(1)):
        r = await evidence(svc, t["id"], request["id"], received_on=received_on)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "received_on", r.text


async def test_CON_09_another_las_client_sees_and_changes_nothing_and_read_cannot_ask(svc, clock):
    clock.set_to(D, tick=True)
    _, t = await family_provision(svc)
    request = (await asked(svc, t["id"], due_on=on(5))).json()
    clock.set_to(D + timedelta(days=6), tick=True)
    stranger = auth("commissioning", "casework", "read", las=[OTHER_LA])
    assert (await asked(svc, t["id"], due_on=on(30), headers=stranger)).status_code == 404
    assert (await evidence(svc, t["id"], request["id"], received_on=on(5), headers=stranger)).status_code == 404
    listed = await svc.client.get(f"/v1/contracts/transfers/{t['id']}/evidence-requests", headers=stranger)
    assert listed.status_code == 404
    assert await overdue(svc, t, headers=stranger) == []
    assert [x["id"] for x in await overdue(svc, t)] == [request["id"]]
    assert (await asked(svc, t["id"], due_on=on(30), headers=READ)).status_code == 403


async def test_CON_09_an_evidence_request_retried_with_one_key_is_made_once(svc, clock):
    clock.set_to(D, tick=True)
    _, t = await family_provision(svc)
    keyed = {**CASEWORK, "Idempotency-Key": "evidence-1"}
    first = await asked(svc, t["id"], due_on=on(30), headers=keyed)
    again = await asked(svc, t["id"], due_on=on(30), headers=keyed)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    items = (await svc.client.get(f"/v1/contracts/transfers/{t['id']}/evidence-requests", headers=READ)).json()
    assert [x["id"] for x in items["items"]] == [first.json()["id"]]
