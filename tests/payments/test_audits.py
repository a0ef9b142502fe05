"""Audits and fair recovery: PAY-05 cadence, PAY-06 surplus, PAY-07 notice, challenge and confirmation,
PAY-08 final audit. Time is moved with the ``today`` fixture."""
from datetime import date

from sqlalchemy import select

from kit import clock
from kit.events import Envelope
from kit.tables import outbox
from tests.payments.helpers import CASEWORK, FINANCE, READ, active_agreement, run


async def audit(client, agreement_id, *, balance, commitments=0, **extra):
    """An audit of the period ending on the service's today (PAY-05: a period that has ended)."""
    r = await client.post(f"/v1/payments/agreements/{agreement_id}/audits", headers=FINANCE, json={
        "period_end": clock.today().isoformat(), "balance_held_pence": balance,
        "outstanding_commitments_pence": commitments, **extra})
    assert r.status_code == 201, r.text
    return r.json()


async def due(client, within_days=0):
    r = await client.get(f"/v1/payments/audits-due?within_days={within_days}", headers=READ)
    return {a["agreement_id"]: a for a in r.json()["items"]}


async def test_PAY_05_the_first_audit_is_due_within_3_months_of_signing_then_yearly(svc, today):
    agreement = await active_agreement(svc.client, signed_on=date(2026, 11, 20))
    today(date(2027, 2, 19))
    assert agreement["id"] not in await due(svc.client)
    assert (await due(svc.client, within_days=1))[agreement["id"]]["due_on"] == "2027-02-20"
    today(date(2027, 2, 21))
    assert (await due(svc.client))[agreement["id"]]["overdue"] is True
    await audit(svc.client, agreement["id"], balance=0)
    assert agreement["id"] not in await due(svc.client)
    today(date(2028, 2, 21))
    assert (await due(svc.client))[agreement["id"]]["due_on"] == "2028-02-21"


async def test_PAY_05_an_audit_requested_falls_due_at_once(svc, today):
    agreement = await active_agreement(svc.client, signed_on=date(2026, 11, 20))
    today(date(2026, 12, 10))
    r = await svc.client.post(f"/v1/payments/agreements/{agreement['id']}/audit-requests", headers=CASEWORK)
    assert r.status_code == 200 and r.json()["next_audit_due"] == "2026-12-10"
    assert (await due(svc.client))[agreement["id"]]["due_on"] == "2026-12-10"


async def test_PAY_06_only_the_surplus_above_commitments_and_8_weeks_contingency_is_reclaimed(svc, today):
    agreement = await active_agreement(svc.client, annual=520000)
    today(date(2027, 2, 1))
    await run(svc.client, date(2027, 2, 1))  # £1,200 paid: what could be recovered at most (PAY-10)
    # 8 weeks of £5,200 a year = £800.00 contingency; £1,000 held − £150 committed − £800 = £50 surplus.
    result = await audit(svc.client, agreement["id"], balance=100000, commitments=15000)
    assert (result["contingency_pence"], result["surplus_pence"]) == (80000, 5000)
    notice = result["recovery"]
    assert notice["status"] == "notice_issued" and notice["amount_pence"] == 5000
    assert notice["challenge_by"] == "2027-03-01" and notice["who_must_repay"] == "Alex Parent (parent)"
    assert "£1,000.00 held − £150.00 committed − £800.00 contingency = £50.00" in notice["reasons"][0]
    nothing = await audit(svc.client, agreement["id"], balance=90000, commitments=15000)
    assert nothing["surplus_pence"] == 0 and nothing["recovery"] is None


async def test_PAY_07_a_recovery_waits_for_the_challenge_window_then_comes_off_future_instalments(svc, today):
    agreement = await active_agreement(svc.client, annual=520000, start=date(2026, 12, 1))
    today(date(2027, 1, 10))
    await run(svc.client, date(2027, 1, 10))  # pays 1 Dec and 29 Dec
    notice = (await audit(svc.client, agreement["id"], balance=130000))["recovery"]  # 130000 − 80000 = 50000
    early = await svc.client.post(f"/v1/payments/recoveries/{notice['id']}/confirm", headers=FINANCE, json={})
    assert early.status_code == 409 and early.json()["rule"] == "PAY-07"
    today(date(2027, 2, 8))  # the window closed on 7 February
    confirmed = await svc.client.post(f"/v1/payments/recoveries/{notice['id']}/confirm", headers=FINANCE,
                                      json={})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["deductions"] == [{"due_date": "2027-02-23", "amount_pence": 40000},
                                              {"due_date": "2027-03-23", "amount_pence": 10000}]
    schedule = (await svc.client.get(f"/v1/payments/agreements/{agreement['id']}/schedule",
                                     headers=READ)).json()
    assert sum(i["amount_pence"] for i in schedule) == 520000
    assert sum(i["payable_pence"] for i in schedule) == 520000 - 50000
    today(date(2027, 3, 23))
    paid = await run(svc.client, date(2027, 3, 23))
    assert paid["total_pence"] == 40000 + 30000  # 26 Jan in full, 23 Feb fully deducted, 23 Mar less £100
    async with svc.runtime.db.sessions() as s:
        bodies = await s.execute(select(outbox.c.body)
                                 .where(outbox.c.type == "payments.recovery_confirmed.v1"))
        [event] = [Envelope.from_bytes(b) for b in bodies.scalars()]
    assert event.payload["recovery_id"] == notice["id"] and event.payload["amount_pence"] == 50000
    assert event.payload["method"] == "deduction" and event.payload["agreement_id"] == agreement["id"]


async def test_PAY_07_a_challenge_stops_confirmation_until_it_is_decided(svc, today):
    agreement = await active_agreement(svc.client)
    today(date(2027, 2, 1))
    await run(svc.client, date(2027, 2, 1))
    notice = (await audit(svc.client, agreement["id"], balance=200000, recovery_method="invoice"))["recovery"]
    r = await svc.client.post(f"/v1/payments/recoveries/{notice['id']}/challenge", headers=CASEWORK,
                              json={"grounds": "the money is committed to a summer scheme"})
    assert r.json()["status"] == "challenged"
    today(date(2027, 4, 1))
    blocked = await svc.client.post(f"/v1/payments/recoveries/{notice['id']}/confirm", headers=FINANCE,
                                    json={})
    assert blocked.status_code == 409 and blocked.json()["rule"] == "PAY-07"
    await svc.client.post(f"/v1/payments/recoveries/{notice['id']}/decision", headers=FINANCE,
                          json={"outcome": "rejected", "reason": "no booking evidence"})
    confirmed = await svc.client.post(f"/v1/payments/recoveries/{notice['id']}/confirm", headers=FINANCE,
                                      json={})
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["method"] == "invoice"


async def test_PAY_07_an_upheld_challenge_withdraws_the_recovery_and_a_late_challenge_is_refused(svc, today):
    agreement = await active_agreement(svc.client)
    today(date(2027, 2, 1))
    await run(svc.client, date(2027, 2, 1))  # £1,200 paid
    upheld = (await audit(svc.client, agreement["id"], balance=120000))["recovery"]  # £400 surplus
    # Another period: a second audit of the same period would replace the first (PAY-06).
    late = (await audit(svc.client, agreement["id"], balance=120000, period_end="2027-01-31"))["recovery"]
    await svc.client.post(f"/v1/payments/recoveries/{upheld['id']}/challenge", headers=CASEWORK,
                          json={"grounds": "receipts attached"})
    r = await svc.client.post(f"/v1/payments/recoveries/{upheld['id']}/decision", headers=FINANCE,
                              json={"outcome": "upheld", "reason": "receipts show the money is committed"})
    assert r.json()["status"] == "withdrawn"
    assert (await svc.client.post(f"/v1/payments/recoveries/{upheld['id']}/confirm", headers=FINANCE,
                                  json={})).status_code == 409
    today(date(2027, 3, 2))
    r = await svc.client.post(f"/v1/payments/recoveries/{late['id']}/challenge", headers=CASEWORK,
                              json={"grounds": "too late"})
    assert r.status_code == 409 and r.json()["rule"] == "PAY-07"


async def test_PAY_08_stopping_records_the_reason_and_makes_a_final_audit_due(svc, today):
    agreement = await active_agreement(svc.client)
    today(date(2026, 12, 5))
    r = await svc.client.post(f"/v1/payments/agreements/{agreement['id']}/stop", headers=CASEWORK,
                              json={"reason_code": "recipient_ineligible", "reason": "ELIG-07 order made"})
    assert (r.json()["stop_reason"], r.json()["status_reason"]) == ("recipient_ineligible",
                                                                    "ELIG-07 order made")
    listed = (await due(svc.client))[agreement["id"]]
    assert (listed["kind"], listed["due_on"]) == ("final", "2026-12-05")
    final = await audit(svc.client, agreement["id"], balance=0)
    assert final["kind"] == "final" and agreement["id"] not in await due(svc.client, within_days=366)
    bad = await svc.client.post(f"/v1/payments/agreements/{agreement['id']}/stop", headers=CASEWORK,
                                json={"reason_code": "fed_up", "reason": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "reason_code"


async def test_PAY_10_a_recovery_is_never_more_than_was_paid_and_not_yet_recovered(svc, today):
    agreement = await active_agreement(svc.client, annual=520000, start=date(2026, 12, 1))
    today(date(2027, 1, 10))
    await run(svc.client, date(2027, 1, 10))  # £800 paid (1 and 29 December)
    result = await audit(svc.client, agreement["id"], balance=500000)  # £5,000 − £800 contingency = £4,200
    assert result["surplus_pence"] == 420000 and result["recovery"]["amount_pence"] == 80000
    assert any("only that is recovered (PAY-10)" in reason for reason in result["recovery"]["reasons"])
    other = await audit(svc.client, agreement["id"], balance=500000, period_end="2027-01-09")
    assert other["surplus_pence"] == 420000 and other["recovery"] is None  # the £800 is under notice already


async def test_PAY_05_an_audit_of_a_period_that_has_not_ended_is_refused(svc, today):
    agreement = await active_agreement(svc.client)
    today(date(2027, 1, 10))
    for period_end in ("2027-01-11", "9999-12-31"):
        r = await svc.client.post(f"/v1/payments/agreements/{agreement['id']}/audits", headers=FINANCE, json={
            "period_end": period_end, "balance_held_pence": 500000, "outstanding_commitments_pence": 0})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "period_end", r.text
        assert r.json()["rule"] == "PAY-05"


async def test_PAY_05_the_audits_due_page_soonest_first_and_a_forged_cursor_is_refused(svc, today):
    """LA-wide, so a page ({items, next_cursor}) walked with limit and cursor gives every agreement once."""
    first = await active_agreement(svc.client, signed_on=date(2026, 11, 20))
    second = await active_agreement(svc.client, signed_on=date(2026, 11, 25))
    today(date(2027, 3, 1))
    seen, cursor = [], None
    while True:
        r = await svc.client.get("/v1/payments/audits-due", params={"limit": 1, **({"cursor": cursor} if cursor
                                                                                   else {})}, headers=READ)
        assert r.status_code == 200, r.text
        assert len(r.json()["items"]) <= 1
        seen += [a["agreement_id"] for a in r.json()["items"]]
        if not (cursor := r.json()["next_cursor"]):
            break
    assert seen.index(first["id"]) < seen.index(second["id"]) and len(seen) == len(set(seen))
    forged = await svc.client.get("/v1/payments/audits-due", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=READ)
    assert forged.status_code == 422 and forged.json()["errors"][0]["field"] == "cursor"
