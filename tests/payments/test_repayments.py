"""PAY-10 through the gateway of the whole platform: overpaid or misused money recovered under PAY-07 (notice,
evidence, challenge window), then an affordable repayment plan; the budget's ledger books each repayment and
``sendpb reconcile`` stays clean."""
from datetime import date

from kit.events import Envelope
from kit.testing import LA, eventually
from sendpb import reconcile
from services.payments.events import OWNED, REPAYMENT_RECEIVED
from tests.payments.helpers import agreed_through_gateway, finished


async def _platform_agreement(platform, clock, child):
    clock.set_to(date(2026, 12, 1), tick=True)
    c = platform.client
    casework, finance = await platform.token("dev-casework"), await platform.token("dev-finance")
    agreement = await agreed_through_gateway(c, await platform.token("dev-admin"), child=child,
                                             start=date(2026, 11, 1), end=date(2027, 10, 31),
                                             direct_payment_pence=520000)  # four-weekly: £400 each
    await c.put(f"/v1/payments/agreements/{agreement['id']}/payee", headers=casework, json={
        "role": "parent", "name": "Sam Parent",
        "account": {"kind": "bank_account", "sort_code": "309634", "account_number": "87654321"}})
    await c.post(f"/v1/payments/agreements/{agreement['id']}/sign", headers=casework,
                 json={"signed_on": "2026-11-01", "signed_by": "Sam Parent"})
    await _run(c, finance, date(2026, 12, 1), "first")  # pays 1 Nov and 29 Nov
    return agreement, casework, finance


async def _run(c, finance, day, key):
    run = await c.post("/v1/payments/runs", headers={**finance, "Idempotency-Key": f"run-{key}"},
                       json={"local_authority": LA, "run_date": day.isoformat()})
    assert run.status_code == 202, run.text
    return await finished(c, run.json()["id"], headers=finance)


async def _recoveries_booked(c, finance, budget_id):
    rows = (await c.get("/v1/budgets/finance/totals", params={"local_authority": LA}, headers=finance)).json()
    return sum(r["recoveries_pence"] for r in rows["rows"] if r["budget_id"] == budget_id)


async def test_PAY_10_overpaid_money_is_repaid_by_deduction_never_below_the_floor_and_the_budget_books_it(
        platform, clock):
    agreement, casework, finance = await _platform_agreement(platform, clock, "C-pay10-d")
    c, aid = platform.client, agreement["id"]
    # The PA stopped working on 29 Nov; £100 was still owed for that time: £400 − £100 = £300 overpaid.
    body = {"kind": "overpaid", "changed_on": "2026-11-29", "owed_pence": 10000,
            "reasons": "The personal assistant stopped working on 29 November"}
    assert (await c.post(f"/v1/payments/agreements/{aid}/recoveries", headers=casework,
                         json=body)).status_code == 403
    r = await c.post(f"/v1/payments/agreements/{aid}/recoveries", headers={**finance, "Idempotency-Key": "od-1"},
                     json=body)
    assert r.status_code == 201, r.text
    notice = r.json()
    assert (notice["kind"], notice["amount_pence"], notice["status"]) == ("overpaid", 30000, "notice_issued")
    assert "£400.00" in notice["reasons"][1] and notice["challenge_by"] == "2026-12-29"
    plan = {"method": "deduction", "per_instalment_pence": 25000}
    early = await c.post(f"/v1/payments/recoveries/{notice['id']}/repayment-plan",
                         headers={**finance, "Idempotency-Key": "plan-early"}, json=plan)
    assert early.status_code == 409 and early.json()["rule"] == "PAY-07"
    confirm = await c.post(f"/v1/payments/recoveries/{notice['id']}/confirm",
                           headers={**finance, "Idempotency-Key": "conf"}, json={})
    assert confirm.status_code == 409 and confirm.json()["rule"] == "PAY-10"
    other = await platform.token("dev-other-la")
    assert (await c.get(f"/v1/payments/recoveries/{notice['id']}", headers=other)).status_code == 404
    assert (await c.post(f"/v1/payments/agreements/{aid}/recoveries", headers={**other, "Idempotency-Key": "o"},
                         json=body)).status_code == 404

    clock.set_to(date(2026, 12, 30), tick=True)  # the challenge window closed on 29 December
    keyed = {**finance, "Idempotency-Key": "plan-1"}
    first = await c.post(f"/v1/payments/recoveries/{notice['id']}/repayment-plan", headers=keyed, json=plan)
    assert first.status_code == 201, first.text
    again = await c.post(f"/v1/payments/recoveries/{notice['id']}/repayment-plan", headers=keyed, json=plan)
    assert again.json() == first.json()  # the same key twice: one plan
    second = await c.post(f"/v1/payments/recoveries/{notice['id']}/repayment-plan",
                          headers={**finance, "Idempotency-Key": "plan-2"}, json=plan)
    assert second.status_code == 409 and second.json()["rule"] == "PAY-10"
    # Floor 50% of £400 = £200: £250 asked, £200 taken from 24 Jan, the remaining £100 from 21 Feb.
    parts = [(p["due_date"], p["amount_pence"], p["status"]) for p in first.json()["repayments"]]
    assert parts == [("2027-01-24", 20000, "scheduled"), ("2027-02-21", 10000, "scheduled")]
    assert sum(p[1] for p in parts) == notice["amount_pence"]
    assert (await c.get(f"/v1/payments/recoveries/{notice['id']}/repayment-plan", headers=other)).status_code == 404
    read = (await c.get(f"/v1/payments/recoveries/{notice['id']}/repayment-plan", headers=casework)).json()
    assert read == first.json()

    clock.set_to(date(2027, 1, 24), tick=True)
    done = await _run(c, finance, date(2027, 1, 24), "jan")
    assert done["total_pence"] == 40000 + 20000  # 27 Dec in full, 24 Jan at the floor
    paid = {p["due_date"]: p["amount_pence"]
            for p in (await c.get(f"/v1/payments/agreements/{aid}/payments", headers=finance)).json()["items"]}
    assert paid["2027-01-24"] == 20000
    budget_id = agreement["budget_id"]
    assert await eventually(lambda: _booked(c, finance, budget_id, 20000)) == 20000
    clock.set_to(date(2027, 2, 21), tick=True)
    await _run(c, finance, date(2027, 2, 21), "feb")
    assert await eventually(lambda: _booked(c, finance, budget_id, 30000)) == 30000
    recovery = (await c.get(f"/v1/payments/recoveries/{notice['id']}", headers=finance)).json()
    assert (recovery["status"], recovery["repaid_pence"]) == ("repaid", 30000)
    ledger = (await c.get(f"/v1/payments/agreements/{aid}/ledger", headers=finance)).json()
    assert [e["amount_pence"] for e in ledger["entries"] if e["kind"] == "repayment"] == [20000, 10000]

    async with platform.embedded.runtime("payments").db.sessions() as s:
        from sqlalchemy import select

        from kit.tables import outbox
        bodies = (await s.execute(select(outbox.c.body).where(outbox.c.type == REPAYMENT_RECEIVED))).scalars()
        events = [Envelope.from_bytes(b) for b in bodies]
    assert sorted(e.payload["amount_pence"] for e in events) == [10000, 20000]
    for e in events:  # the published payload has exactly the v1 shape
        OWNED[REPAYMENT_RECEIVED].model_validate(e.payload)
        assert (e.payload["recovery_id"], e.payload["method"], e.payload["kind"]) == (notice["id"], "deduction",
                                                                                      "overpaid")
    lines: list[str] = []
    assert await reconcile.run(c, la=LA, client_id="dev-finance", client_secret="dev-secret", out=lines.append,
                               settle_seconds=2.0, interval=0.3) == 0, "\n".join(lines)


async def _booked(c, finance, budget_id, want):
    got = await _recoveries_booked(c, finance, budget_id)
    return got if got == want else None


async def test_PAY_10_misuse_needs_evidence_never_more_than_paid_and_is_repaid_by_invoice(platform, clock):
    agreement, casework, finance = await _platform_agreement(platform, clock, "C-pay10-i")
    c, aid = platform.client, agreement["id"]
    url = f"/v1/payments/agreements/{aid}/recoveries"
    body = {"kind": "misused", "reasons": "Spent on a family holiday", "amount_pence": 30000,
            "period_start": "2026-11-01", "period_end": "2026-11-30", "evidence": []}
    bare = await c.post(url, headers={**finance, "Idempotency-Key": "m-0"}, json=body)
    assert bare.status_code == 422 and [e["field"] for e in bare.json()["errors"]] == ["evidence"]
    body["evidence"] = [{"description": "Bank statement showing a travel agent", "reference": "AUD-2026-14"}]
    too_much = await c.post(url, headers={**finance, "Idempotency-Key": "m-1"}, json={**body, "amount_pence": 80001})
    assert too_much.status_code == 422 and too_much.json()["rule"] == "PAY-10"
    assert [e["field"] for e in too_much.json()["errors"]] == ["amount_pence"]
    notice = (await c.post(url, headers={**finance, "Idempotency-Key": "m-2"}, json=body)).json()
    assert notice["kind"] == "misused" and notice["evidence"][0]["reference"] == "AUD-2026-14"
    assert "AUD-2026-14" in " ".join(notice["reasons"])
    challenged = await c.post(f"/v1/payments/recoveries/{notice['id']}/challenge", headers=casework,
                              json={"grounds": "It was respite care"})
    assert challenged.json()["status"] == "challenged"
    await c.post(f"/v1/payments/recoveries/{notice['id']}/decision", headers=finance,
                 json={"outcome": "rejected", "reason": "The invoice was from a travel agent"})
    plan = (await c.post(f"/v1/payments/recoveries/{notice['id']}/repayment-plan",
                         headers={**finance, "Idempotency-Key": "mp"},
                         json={"method": "invoice", "instalments": 7, "first_due": "2027-01-31"})).json()
    amounts = [p["amount_pence"] for p in plan["repayments"]]
    assert amounts == [4285] * 6 + [4290] and sum(amounts) == 30000
    assert [p["due_date"] for p in plan["repayments"]][:3] == ["2027-01-31", "2027-02-28", "2027-03-31"]
    first = plan["repayments"][0]["id"]
    receipt = f"/v1/payments/recoveries/{notice['id']}/repayments/{first}/received"
    got = await c.post(receipt, headers={**finance, "Idempotency-Key": "r1"}, json={"received_on": "2027-01-30"})
    assert got.status_code == 200 and got.json()["status"] == "received"
    twice = await c.post(receipt, headers={**finance, "Idempotency-Key": "r2"}, json={})
    assert twice.status_code == 409 and twice.json()["rule"] == "PAY-10"
    other = await platform.token("dev-other-la")
    assert (await c.post(receipt, headers={**other, "Idempotency-Key": "r3"}, json={})).status_code == 404
    assert await eventually(lambda: _booked(c, finance, agreement["budget_id"], 4285)) == 4285
    lines: list[str] = []
    assert await reconcile.run(c, la=LA, client_id="dev-finance", client_secret="dev-secret", out=lines.append,
                               settle_seconds=2.0, interval=0.3) == 0, "\n".join(lines)
