"""Payment runs (PAY-01, PAY-04), returns, suspension (PAY-08) and the bank file through the API."""
from datetime import date, timedelta

from kit.events import utcnow
from kit.testing import LA, OTHER_LA, auth
from services.payments.domain import bankfile
from services.payments.models import Run
from tests.payments.helpers import (
    CASEWORK,
    FINANCE,
    active_agreement,
    open_agreement,
    payments_of,
    run,
    set_payee,
)


async def test_PAY_01_nothing_is_paid_before_the_agreement_is_signed(svc):
    unsigned = await open_agreement(svc.client, start=date(2026, 12, 1))
    await set_payee(svc.client, unsigned["id"])
    result = await run(svc.client, date(2026, 12, 1))
    assert result["payments_count"] == 0 and await payments_of(svc.client, unsigned["id"]) == []


async def test_PAY_04_a_late_signed_agreement_is_paid_its_arrears_once(svc, today):
    today(date(2026, 12, 1))
    agreement = await active_agreement(svc.client, annual=520000, start=date(2026, 9, 1))
    first = await run(svc.client, date(2026, 12, 1))
    paid = await payments_of(svc.client, agreement["id"])
    assert [p["due_date"] for p in paid] == ["2026-09-01", "2026-09-29", "2026-10-27", "2026-11-24"]
    assert first["payments_count"] == 4 and first["total_pence"] == 160000 and first["status"] == "completed"
    assert first["progress"] == {"instalments_due": 4, "instalments_settled": 4, "percent": 100}
    today(date(2026, 12, 20))
    later = await run(svc.client, date(2026, 12, 22))  # dated within the 14 days a run may be ahead
    assert later["payments_count"] == 1 and len(await payments_of(svc.client, agreement["id"])) == 5


async def test_PAY_04_a_retried_request_replays_the_run_and_pays_nothing_more(svc):
    agreement = await active_agreement(svc.client, start=date(2026, 11, 1))
    first = await run(svc.client, date(2026, 12, 1), key="run-2026-12-01")
    again = await svc.client.post("/v1/payments/runs", json={"local_authority": first["local_authority"],
                                                             "run_date": "2026-12-01"},
                                  headers={**FINANCE, "Idempotency-Key": "run-2026-12-01"})
    assert again.status_code == 202 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first["id"]
    assert len(await payments_of(svc.client, agreement["id"])) == 2


async def test_PAY_04_a_second_run_for_the_same_date_finds_nothing_to_pay(svc):
    agreement = await active_agreement(svc.client, start=date(2026, 11, 1))
    await run(svc.client, date(2026, 12, 1), key="a")
    second = await run(svc.client, date(2026, 12, 1), key="b")
    assert second["payments_count"] == 0 and second["total_pence"] == 0
    assert len(await payments_of(svc.client, agreement["id"])) == 2


async def test_PAY_04_returned_payments_are_paid_again_by_the_next_run(svc):
    agreement = await active_agreement(svc.client, start=date(2026, 12, 1))
    first = await run(svc.client, date(2026, 12, 1))
    [payment] = await payments_of(svc.client, agreement["id"])
    r = await svc.client.post(f"/v1/payments/runs/{first['id']}/returns", headers=FINANCE,
                              json={"items": [{"payment_id": payment["id"], "reason": "account closed"}]})
    assert r.status_code == 200 and r.json()["returned_pence"] == 40000
    again = await svc.client.post(f"/v1/payments/runs/{first['id']}/returns", headers=FINANCE,
                                  json={"items": [{"payment_id": payment["id"]}]})
    assert again.json()["already_returned"] == [payment["id"]]
    unknown = await svc.client.post(f"/v1/payments/runs/{first['id']}/returns", headers=FINANCE,
                                    json={"items": [{"payment_id": "nope"}]})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "items[0].payment_id"
    second = await run(svc.client, date(2026, 12, 2))
    assert second["payments_count"] == 1 and second["total_pence"] == 40000
    statuses = [(p["due_date"], p["status"]) for p in await payments_of(svc.client, agreement["id"])]
    assert statuses == [("2026-12-01", "returned"), ("2026-12-01", "issued")]
    ledger = (await svc.client.get(f"/v1/payments/agreements/{agreement['id']}/ledger", headers=FINANCE)).json()
    assert [e["kind"] for e in ledger["entries"]] == ["payment", "return", "payment"]
    assert (ledger["paid_pence"], ledger["returned_pence"], ledger["net_paid_pence"]) == (80000, 40000, 40000)


async def test_PAY_08_suspended_and_stopped_agreements_are_not_paid_and_resuming_pays_arrears(svc):
    suspended = await active_agreement(svc.client, start=date(2026, 11, 1), child="C-s")
    stopped = await active_agreement(svc.client, start=date(2026, 11, 1), child="C-t")
    await svc.client.post(f"/v1/payments/agreements/{suspended['id']}/suspend", headers=CASEWORK,
                          json={"reason": "payee in hospital"})
    r = await svc.client.post(f"/v1/payments/agreements/{stopped['id']}/stop", headers=CASEWORK,
                              json={"reason_code": "consent_withdrawn", "reason": "family asked in writing"})
    assert r.json()["status"] == "stopped" and r.json()["final_audit_due"] is True
    assert (await run(svc.client, date(2026, 12, 1)))["payments_count"] == 0
    await svc.client.post(f"/v1/payments/agreements/{suspended['id']}/resume", headers=CASEWORK,
                          json={"reason": "back home"})
    assert (await run(svc.client, date(2026, 12, 1)))["payments_count"] == 2
    assert await payments_of(svc.client, stopped["id"]) == []


async def test_the_bank_file_balances_and_the_csv_lists_every_payment(svc):
    await active_agreement(svc.client, annual=520013, start=date(2026, 11, 1), child="C-a")
    card = await open_agreement(svc.client, annual=120000, start=date(2026, 12, 1), child="C-b")
    await set_payee(svc.client, card["id"], name="A Very Long Payee Name Indeed",
                    account={"kind": "prepaid_card", "card_reference": "CARD-0001"})
    await svc.client.post(f"/v1/payments/agreements/{card['id']}/sign", headers=CASEWORK,
                          json={"signed_on": "2026-11-20", "signed_by": "A"})
    result = await run(svc.client, date(2026, 12, 1))
    r = await svc.client.get(f"/v1/payments/runs/{result['id']}/file?format=bacs18", headers=FINANCE)
    lines = r.text.split("\r\n")[4:-4]  # the data records, between UHL1 and EOF1
    assert all(len(line) == bankfile.RECORD_LENGTH for line in lines)
    credits = [line for line in lines if line[15:17] == "99"]
    [contra] = [line for line in lines if line[15:17] == "17"]
    assert len(credits) == 3 == result["payments_count"]
    assert sum(int(line[35:46]) for line in credits) == int(contra[35:46]) == result["total_pence"]
    [card_line] = [line for line in credits if line[64:82].strip() == "CARD-0001"]
    assert card_line[82:100] == "A VERY LONG PAYEE " and card_line[:14] == "60837100001234"
    csv = (await svc.client.get(f"/v1/payments/runs/{result['id']}/file?format=csv", headers=FINANCE)).text
    assert csv.splitlines()[0].startswith("payment_id,agreement_id") and len(csv.splitlines()) == 4


async def test_a_run_interrupted_before_runs_were_taken_over_still_reads_as_interrupted(svc):
    now = utcnow()
    async with svc.runtime.db.transaction() as s:
        s.add(Run(id="old-dead-run", local_authority=LA, run_date=date(2026, 11, 1), status="interrupted",
                  due_count=9, settled_count=3, payments_count=3, total_pence=1, requested_by="x",
                  error="the process running it stopped; post a new run", created_at=now - timedelta(days=30),
                  updated_at=now - timedelta(days=30)))
    assert await svc.runtime.jobs.run_once("take-over-runs") == 0
    await run(svc.client, date(2026, 12, 1))
    dead = (await svc.client.get("/v1/payments/runs/old-dead-run", headers=FINANCE)).json()
    assert dead["status"] == "interrupted" and dead["progress"]["percent"] == 33


async def test_PAY_04_a_run_dated_months_ahead_is_refused(svc):
    r = await svc.client.post("/v1/payments/runs", json={"local_authority": LA, "run_date": "2030-01-01"},
                              headers=FINANCE)
    assert r.status_code == 422 and r.json()["rule"] == "PAY-04"
    assert r.json()["errors"][0]["field"] == "run_date"


async def test_runs_need_the_finance_scope_and_stay_in_their_la(svc):
    r = await svc.client.post("/v1/payments/runs", json={"local_authority": OTHER_LA,
                                                         "run_date": "2026-12-01"},
                              headers=FINANCE)
    assert r.status_code == 403
    r = await svc.client.post("/v1/payments/runs", json={"local_authority": OTHER_LA,
                                                         "run_date": "2026-12-01"},
                              headers=CASEWORK)
    assert r.status_code == 403
    mine = await run(svc.client, date(2026, 12, 1))
    other = auth("finance", las=[OTHER_LA])
    assert (await svc.client.get(f"/v1/payments/runs/{mine['id']}", headers=other)).status_code == 404
    assert (await svc.client.get(f"/v1/payments/runs/{mine['id']}/file", headers=other)).status_code == 404
