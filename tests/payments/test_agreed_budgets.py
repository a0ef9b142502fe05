"""No penny leaves without an agreed budget line: agreements are opened only against what the panel agreed, within
the plan period, and every later change of the budget or of the child's eligibility reaches them (BUD-06, BUD-10,
PAY-01, PAY-03, PAY-08). On both backends: SQLite with the in-memory bus, PostgreSQL with RabbitMQ."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from kit.bus import Outgoing
from kit.events import Envelope
from kit.testing import LA, OTHER_LA, auth, eventually, running_service
from services.payments.app import create_app
from services.payments.service.notices import apply_due_notices
from tests.payments.helpers import (
    CASEWORK,
    READ,
    agreed_budget,
    agreement_body,
    payments_of,
    run,
    set_payee,
    sign,
)

START, END = date(2026, 12, 1), date(2027, 11, 30)


@pytest.fixture
async def svc(backend, today):
    today(date(2026, 11, 25))
    async with running_service(create_app, backend, service="payments") as running:
        yield running


async def publish(svc, type_: str, payload: dict, *, la: str = LA) -> None:
    envelope = Envelope(type=type_, producer="test", local_authority=la, payload=payload)
    await svc.runtime.bus.publish([Outgoing(envelope.type, envelope.to_bytes(), str(envelope.event_id))])


async def post(svc, body: dict, headers: dict = CASEWORK, **extra):
    return await svc.client.post("/v1/payments/agreements", json=body, headers={**headers, **extra})


async def active(svc, budget_id: str, *, child: str = "C-1", annual: int = 260_000) -> dict:
    r = await post(svc, agreement_body(child=child, annual=annual, start=START, budget_id=budget_id,
                                       stream="social_care"))
    assert r.status_code == 201, r.text
    await set_payee(svc.client, r.json()["id"])
    return await sign(svc.client, r.json()["id"], date(2026, 11, 20))


async def agreement(svc, agreement_id: str) -> dict:
    return (await svc.client.get(f"/v1/payments/agreements/{agreement_id}", headers=READ)).json()


async def notices_of(svc, agreement_id: str) -> list[dict]:
    r = await svc.client.get(f"/v1/payments/agreements/{agreement_id}/notices", headers=READ)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def refusal(r, status: int, rule: str, field: str) -> None:
    assert r.status_code == status, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["rule"] == rule and field in {e["field"] for e in problem["errors"]}, problem


async def test_BUD_06_an_agreement_opens_only_against_an_agreed_budget_of_its_child_within_share_and_period(svc):
    body = agreement_body(child="C-1", annual=260_000, start=START)
    refusal(await post(svc, body), 422, "PAY-01", "budget_id")
    unknown = await post(svc, {**body, "budget_id": str(uuid.uuid4())})
    refusal(unknown, 409, "BUD-06", "budget_id")
    assert "has not reached payments yet" in unknown.json()["detail"]

    budget_id = await agreed_budget(svc.client, child="C-1", start=START, end=END,
                                    streams={"social_care": 260_000, "health": 0},
                                    agreed={"social_care": 520_000, "health": 100_000})
    body = {**body, "budget_id": budget_id}
    other = auth("casework", las=[OTHER_LA])
    refusal(await post(svc, {**body, "local_authority": OTHER_LA}, other), 409, "BUD-06", "budget_id")
    refusal(await post(svc, {**body, "child_id": "C-2"}), 409, "PAY-01", "child_id")
    refusal(await post(svc, {**body, "stream": "health"}), 409, "BUD-06", "stream")
    refusal(await post(svc, {**body, "annual_amount_pence": 260_001}), 409, "BUD-06", "annual_amount_pence")
    refusal(await post(svc, {**body, "start_date": "2026-11-30"}), 409, "PAY-03", "start_date")
    refusal(await post(svc, {**body, "end_date": "2027-12-01"}), 409, "PAY-03", "end_date")
    refusal(await post(svc, {**body, "start_date": "9998-12-31", "end_date": "9999-12-31"}), 409, "PAY-03",
            "start_date")

    opened = await post(svc, body)  # the stream is inferred: the budget's one direct-payment stream
    assert opened.status_code == 201 and opened.json()["stream"] == "social_care", opened.text
    again = await post(svc, {**body, "stream": "social_care"})
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "stream"


async def test_PAY_01_the_same_idempotency_key_opens_one_agreement_and_another_body_with_it_is_a_422(svc):
    budget_id = await agreed_budget(svc.client, child="C-1", start=START, end=END, streams={"social_care": 260_000})
    body = {**agreement_body(child="C-1", annual=130_000, start=START), "budget_id": budget_id}
    first = await post(svc, body, **{"Idempotency-Key": "open-1"})
    second = await post(svc, body, **{"Idempotency-Key": "open-1"})
    assert first.status_code == second.status_code == 201 and first.json()["id"] == second.json()["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    other = await post(svc, {**body, "annual_amount_pence": 120_000}, **{"Idempotency-Key": "open-1"})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    listed = (await svc.client.get(f"/v1/payments/agreements?budget_id={budget_id}", headers=READ)).json()
    assert len(listed["items"]) == 1


async def test_PAY_03_an_agreement_from_a_six_month_budget_schedules_half_a_year_and_nothing_after_its_end(svc):
    budget_id = await agreed_budget(svc.client, child="C-1", start=START, end=date(2027, 5, 31),
                                    streams={"social_care": 260_000})
    r = await post(svc, {**agreement_body(child="C-1", annual=260_000, start=START), "budget_id": budget_id,
                         "end_date": "2027-05-31"})
    assert r.status_code == 201, r.text
    schedule = (await svc.client.get(f"/v1/payments/agreements/{r.json()['id']}/schedule", headers=READ)).json()
    assert schedule[-1]["due_date"] <= "2027-05-31" and len(schedule) == 7
    assert sum(i["amount_pence"] for i in schedule) == 260_000 * 182 // 365
    assert "pro rata" in schedule[0]["basis"]


async def test_PAY_08_a_decision_refusing_direct_payment_under_ELIG_07_suspends_the_childs_agreements_at_once(
        svc, today):
    budget_id = await agreed_budget(svc.client, child="C-7", start=START, end=END, streams={"social_care": 260_000})
    paid = await active(svc, budget_id, child="C-7")
    await publish(svc, "eligibility.request_decided.v1", decided("C-7", allowed=False, rule="ELIG-07"))

    async def suspended():
        return (await agreement(svc, paid["id"]))["status"] == "suspended"

    await eventually(suspended)
    [notice] = await notices_of(svc, paid["id"])
    assert (notice["kind"], notice["status"]) == ("suspension", "effective")
    assert [r["rule"] for r in notice["reasons"]] == ["PAY-08", "ELIG-07"] and "suspended" in notice["notice"]
    today(date(2027, 1, 5))
    await run(svc.client, date(2027, 1, 5))
    assert await payments_of(svc.client, paid["id"]) == []
    resume = await svc.client.post(f"/v1/payments/agreements/{paid['id']}/resume", headers=CASEWORK,
                                   json={"reason": "asked to"})
    assert resume.status_code == 409 and resume.json()["rule"] == "ELIG-07"


async def test_PAY_08_a_refusal_for_another_reason_suspends_after_written_notice_paying_only_what_falls_due_before(
        svc, today):
    budget_id = await agreed_budget(svc.client, child="C-6", start=START, end=END, streams={"social_care": 260_000})
    paid = await active(svc, budget_id, child="C-6")
    today(date(2026, 12, 10))
    await publish(svc, "eligibility.request_decided.v1", decided("C-6", allowed=False, rule="ELIG-06"))

    async def noticed():
        found = await agreement(svc, paid["id"])
        return found if found["pay_before"] else None

    assert (await eventually(noticed))["pay_before"] == "2027-01-07"  # 28 days' notice (DEFAULT)
    assert (await agreement(svc, paid["id"]))["status"] == "active"
    today(date(2027, 2, 1))
    await run(svc.client, date(2027, 2, 1))  # 26 January falls after the notice: not paid
    assert [p["due_date"] for p in await payments_of(svc.client, paid["id"])] == ["2026-12-01", "2026-12-29"]
    settings = svc.app.state.runtime.settings
    assert await apply_due_notices(svc.runtime.db, settings) == 1
    assert (await agreement(svc, paid["id"]))["status"] == "suspended"
    second = await agreed_budget(svc.client, child="C-6", start=START, end=END, streams={"health": 520_000})
    another = await post(svc, {**agreement_body(child="C-6", start=START), "budget_id": second,
                               "stream": "health"})
    assert another.status_code == 409 and another.json()["rule"] == "ELIG-06", another.text  # while it stands


async def test_PAY_08_a_newer_decision_allowing_direct_payment_withdraws_a_suspension_still_under_notice(svc):
    budget_id = await agreed_budget(svc.client, child="C-5", start=START, end=END, streams={"social_care": 260_000})
    paid = await active(svc, budget_id, child="C-5")
    await publish(svc, "eligibility.request_decided.v1", decided("C-5", allowed=False, rule="ELIG-09",
                                                                 at="2026-11-25T10:00:00Z"))
    await eventually(lambda: _pay_before(svc, paid["id"]))
    await publish(svc, "eligibility.request_decided.v1", decided("C-5", allowed=True, at="2026-11-25T11:00:00Z"))

    async def withdrawn():
        return [n["status"] for n in await notices_of(svc, paid["id"])] == ["withdrawn"]

    await eventually(withdrawn)
    assert (await agreement(svc, paid["id"]))["pay_before"] is None
    # An older decision delivered late changes nothing.
    await publish(svc, "eligibility.request_decided.v1", decided("C-5", allowed=False, rule="ELIG-07",
                                                                 at="2026-11-25T09:00:00Z"))
    await publish(svc, "eligibility.request_decided.v1", decided("C-other", allowed=True))
    await eventually(lambda: _decided(svc, "C-other"))
    assert (await agreement(svc, paid["id"]))["status"] == "active"


async def test_PAY_08_a_budget_that_closes_stops_its_agreements_with_a_notice_and_a_final_audit(svc, today):
    budget_id = await agreed_budget(svc.client, child="C-4", start=START, end=END, streams={"social_care": 260_000})
    paid = await active(svc, budget_id, child="C-4")
    await publish(svc, "budget.closed.v1", {"budget_id": budget_id, "child_id": "C-4", "local_authority": LA,
                                            "closed_on": "2026-11-28", "reason": "the plan ceased"})

    async def stopped():
        found = await agreement(svc, paid["id"])
        return found if found["status"] == "stopped" else None

    found = await eventually(stopped)
    assert found["stop_reason"] == "budget_closed" and found["final_audit_due"] is True
    [notice] = await notices_of(svc, paid["id"])
    assert notice["kind"] == "stop" and notice["effective_from"] == "2026-11-28"
    today(date(2027, 1, 5))
    await run(svc.client, date(2027, 1, 5))
    assert await payments_of(svc.client, paid["id"]) == []
    again = await post(svc, {**agreement_body(child="C-4", start=START), "budget_id": budget_id})
    refusal(again, 409, "PAY-08", "budget_id")


async def test_BUD_10_a_reduction_is_a_notice_with_one_reconsideration_and_applies_only_after_it(svc, today):
    budget_id = await agreed_budget(svc.client, child="C-3", start=START, end=END, streams={"social_care": 390_000})
    paid = await active(svc, budget_id, child="C-3")
    url = f"/v1/payments/agreements/{paid['id']}"
    refusal(await svc.client.put(f"{url}/amount", headers=CASEWORK, json={"annual_amount_pence": 0}), 422,
            "BUD-10", "reasons")
    above = await svc.client.put(f"{url}/amount", headers=CASEWORK, json={"annual_amount_pence": 390_001})
    refusal(above, 409, "BUD-06", "annual_amount_pence")

    cut = await svc.client.put(f"{url}/amount", headers=CASEWORK,
                               json={"annual_amount_pence": 0, "reasons": "The family moved out of the area"})
    assert cut.status_code == 202, cut.text
    notice = cut.json()["notice"]
    assert (notice["kind"], notice["status"], notice["reconsider_by"], notice["effective_from"]) == (
        "reduction", "issued", "2026-12-23", "2026-12-24")
    assert cut.json()["annual_amount_pence"] == 260_000 and "reconsider once" in notice["notice"]
    again = await svc.client.put(f"{url}/amount", headers=CASEWORK,
                                 json={"annual_amount_pence": 100, "reasons": "again"})
    assert again.status_code == 409 and again.json()["rule"] == "BUD-10"

    notice_url = f"{url}/notices/{notice['id']}"
    asked = await svc.client.post(f"{notice_url}/reconsideration", headers=CASEWORK,
                                  json={"reason": "We are still in the area"})
    assert asked.json()["status"] == "reconsideration_requested"
    twice = await svc.client.post(f"{notice_url}/reconsideration", headers=CASEWORK, json={"reason": "again"})
    assert twice.status_code == 409 and twice.json()["rule"] == "BUD-10"
    decided_ = await svc.client.post(f"{notice_url}/reconsideration-decision", headers=CASEWORK,
                                     json={"outcome": "overturned", "reason": "The address was wrong"})
    assert decided_.json()["status"] == "withdrawn"

    cut = await svc.client.put(f"{url}/amount", headers=CASEWORK,
                               json={"annual_amount_pence": 130_000, "reasons": "Fewer hours are needed"})
    assert cut.status_code == 202
    today(date(2026, 12, 23))
    settings = svc.app.state.runtime.settings
    assert await apply_due_notices(svc.runtime.db, settings) == 0  # the window is still open
    today(date(2026, 12, 24))
    assert await apply_due_notices(svc.runtime.db, settings) == 1
    schedule = (await svc.client.get(f"{url}/schedule", headers=READ)).json()
    assert sum(i["amount_pence"] for i in schedule) == 130_000
    assert schedule[0]["amount_pence"] == 20_000  # due on 1 December, before the reduction's date
    assert schedule[1]["basis"].startswith("re-planned 2026-12-24")
    raised = await svc.client.put(f"{url}/amount", headers=CASEWORK, json={"annual_amount_pence": 390_000})
    assert raised.status_code == 200 and raised.json()["annual_amount_pence"] == 390_000  # within the share


async def test_BUD_10_a_budget_varied_below_its_agreement_reduces_the_agreement_from_the_variation_date(svc):
    budget_id = await agreed_budget(svc.client, child="C-2", start=START, end=END, streams={"social_care": 260_000})
    paid = await active(svc, budget_id, child="C-2")
    await publish(svc, "budget.varied.v1", {
        "budget_id": budget_id, "child_id": "C-2", "local_authority": LA, "variation_id": "v-1",
        "stream": "social_care", "previous_agreed_pence": 260_000, "agreed_pence": 130_000,
        "direct_payment_pence": 130_000, "reasons": "Fewer sessions", "effective_from": "2027-01-01"})

    async def reduced():
        return (await agreement(svc, paid["id"]))["annual_amount_pence"] == 130_000

    await eventually(reduced)
    [notice] = await notices_of(svc, paid["id"])
    assert (notice["kind"], notice["from_pence"], notice["to_pence"], notice["effective_from"]) == (
        "reduction", 260_000, 130_000, "2027-01-01")
    schedule = (await svc.client.get(f"/v1/payments/agreements/{paid['id']}/schedule", headers=READ)).json()
    assert sum(i["amount_pence"] for i in schedule) == 130_000
    assert [i["amount_pence"] for i in schedule[:2]] == [20_000, 20_000]  # due before 1 January


def decided(child: str, *, allowed: bool, rule: str | None = None, at: str | None = None) -> dict:
    reasons = [] if allowed else [{"rule": rule, "message": f"refused under {rule}"}]
    return {"request_id": str(uuid.uuid4()), "decision_id": str(uuid.uuid4()), "supersedes_decision_id": None,
            "child_id": child, "local_authority": LA, "status": "eligible", "streams": {},
            "arrangements": {"direct_payment": {"allowed": allowed, "reasons": reasons}},
            "eligible_streams": ["social_care"], "allowed_arrangements": [], "requested_on": "2026-11-20",
            "decided_at": at or datetime.now(UTC).isoformat(), "rules_version": "test"}


async def _pay_before(svc, agreement_id: str):
    return (await agreement(svc, agreement_id))["pay_before"]


async def _decided(svc, child: str) -> bool:
    from services.payments import repository

    async with svc.runtime.db.sessions() as session:
        return await repository.direct_payment_decision(session, LA, child) is not None
