"""Agreements, payees and signing through the service's API (PAY-01, PAY-02, PAY-03, PAY-09)."""
import logging
from datetime import date

from kit.testing import LA, OTHER_LA, auth
from tests.payments.helpers import (
    BANK,
    CASEWORK,
    READ,
    active_agreement,
    agreement_body,
    open_agreement,
    set_payee,
    sign,
)


async def test_an_agreement_opens_awaiting_signature_with_its_terms_and_schedule(svc):
    agreement = await open_agreement(svc.client, annual=520001, stream="social_care")
    assert agreement["status"] == "awaiting_signature" and agreement["stream"] == "social_care"
    assert {"purpose", "amount", "frequency", "conditions", "monitoring", "recovery_rights"} <= set(
        agreement["terms"])
    schedule = (await svc.client.get(f"/v1/payments/agreements/{agreement['id']}/schedule",
                                     headers=READ)).json()
    assert len(schedule) == 13 and sum(i["amount_pence"] for i in schedule) == 520001
    assert schedule[0]["basis"] == ("£5,200.01 a year ÷ 13 = £400.00; "
                                  "remainder 1p added to this instalment = £400.01")


async def test_PAY_02_bank_details_are_validated_for_shape_and_never_returned_or_logged_in_full(svc, caplog):
    caplog.set_level(logging.INFO)  # the platform logs at INFO; driver DEBUG logs echo SQL parameters
    agreement = await open_agreement(svc.client)
    bad = await svc.client.put(f"/v1/payments/agreements/{agreement['id']}/payee", headers=CASEWORK, json={
        "role": "parent", "name": "A", "account": {"kind": "bank_account", "sort_code": "40-12-76",
                                                   "account_number": "1234567"}})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"account.sort_code", "account.account_number"}
    shown = await set_payee(svc.client, agreement["id"])
    assert shown["payee"]["account"] == {"kind": "bank_account", "sort_code": "**1276",
                                         "account_number": "****5678"}
    assert "12345678" not in (await svc.client.get(f"/v1/payments/agreements/{agreement['id']}",
                                                   headers=READ)).text
    assert "12345678" not in caplog.text and "1234567" not in caplog.text


async def test_PAY_02_each_kind_of_account_needs_its_own_details(svc):
    agreement = await open_agreement(svc.client)
    r = await svc.client.put(f"/v1/payments/agreements/{agreement['id']}/payee", headers=CASEWORK,
                             json={"role": "nominee", "name": "N", "account": {"kind": "prepaid_card"}})
    assert r.status_code == 422 and r.json()["rule"] == "PAY-02"
    assert r.json()["errors"][0]["field"] == "account.card_reference"


async def test_PAY_02_a_managed_account_carries_the_default_monthly_fee(svc):
    agreement = await open_agreement(svc.client)
    shown = await set_payee(svc.client, agreement["id"], account={**BANK, "kind": "managed_account"})
    assert shown["payee"]["account"]["monthly_fee_pence"] == 999


async def test_PAY_09_paying_a_close_relative_in_the_household_is_recorded_as_exceptional(svc):
    agreement = await open_agreement(svc.client)
    refused = await svc.client.put(f"/v1/payments/agreements/{agreement['id']}/payee", headers=CASEWORK,
                                   json={
        "role": "nominee", "name": "Gran", "account": BANK, "close_relative_same_household": True})
    assert refused.status_code == 422 and refused.json()["rule"] == "PAY-09"
    shown = await set_payee(svc.client, agreement["id"], close_relative_same_household=True,
                            exceptional_reason="no other carrier can meet the night-time care needs")
    assert shown["payee"]["exceptional"] is True
    assert shown["payee"]["exceptional_reason"].startswith("no other carrier")


async def test_PAY_01_an_agreement_is_signed_only_once_it_names_a_payee(svc):
    agreement = await open_agreement(svc.client)
    r = await svc.client.post(f"/v1/payments/agreements/{agreement['id']}/sign", headers=CASEWORK,
                              json={"signed_on": "2026-11-20", "signed_by": "Alex"})
    assert r.status_code == 409 and r.json()["rule"] == "PAY-02"
    await set_payee(svc.client, agreement["id"])
    signed = await sign(svc.client, agreement["id"], date(2026, 11, 20))
    assert signed["status"] == "active" and signed["next_audit_due"] == "2027-02-20"
    again = await svc.client.post(f"/v1/payments/agreements/{agreement['id']}/sign", headers=CASEWORK,
                                  json={"signed_on": "2026-11-20", "signed_by": "Alex"})
    assert again.status_code == 409


async def test_another_las_agreement_is_not_found_and_cannot_be_created(svc):
    agreement = await open_agreement(svc.client)
    other = auth("casework", "read", las=[OTHER_LA])
    assert (await svc.client.get(f"/v1/payments/agreements/{agreement['id']}",
                                 headers=other)).status_code == 404
    r = await svc.client.put(f"/v1/payments/agreements/{agreement['id']}/payee", headers=other,
                             json={"role": "parent", "name": "X", "account": BANK})
    assert r.status_code == 404
    r = await svc.client.post("/v1/payments/agreements", headers=CASEWORK,
                              json={"child_id": "C", "local_authority": OTHER_LA, "annual_amount_pence": 1,
                                    "start_date": "2026-12-01", "end_date": "2027-11-30"})
    assert r.status_code == 403 and r.json()["errors"][0]["field"] == "local_authority"


async def test_a_budget_stream_has_one_agreement(svc):
    await open_agreement(svc.client, budget_id="b-one", stream="health")
    r = await svc.client.post("/v1/payments/agreements", headers=CASEWORK,
                              json=agreement_body(budget_id="b-one", stream="health"))
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "stream"


async def test_agreements_are_listed_by_budget_and_child_a_page_at_a_time(svc):
    for budget in ("b-1", "b-2", "b-3"):
        await open_agreement(svc.client, child="C-list", budget_id=budget)
    by_budget = (await svc.client.get("/v1/payments/agreements?budget_id=b-2", headers=READ)).json()
    assert [a["budget_id"] for a in by_budget["items"]] == ["b-2"] and by_budget["next_cursor"] is None
    page = "/v1/payments/agreements?child_id=C-list&limit=2"
    first = (await svc.client.get(page, headers=READ)).json()
    rest = (await svc.client.get(f"{page}&cursor={first['next_cursor']}", headers=READ)).json()
    assert [a["budget_id"] for a in first["items"] + rest["items"]] == ["b-3", "b-2", "b-1"]


async def test_bad_input_is_a_422_naming_the_field(svc):
    r = await svc.client.post("/v1/payments/agreements", headers=CASEWORK, json={
        "child_id": "C", "local_authority": LA, "annual_amount_pence": -5, "frequency": "weekly",
        "start_date": "2026-12-01", "end_date": "2026-11-01"})
    assert r.status_code == 422
    assert {"annual_amount_pence", "frequency"} <= {e["field"] for e in r.json()["errors"]}


async def test_PAY_03_a_changed_amount_re_plans_only_what_is_unpaid_and_still_adds_up(svc, today):
    agreement = await active_agreement(svc.client, annual=520000, start=date(2026, 12, 1))
    today(date(2027, 3, 1))
    r = await svc.client.put(f"/v1/payments/agreements/{agreement['id']}/amount", headers=CASEWORK,
                             json={"annual_amount_pence": 650003, "effective_from": "2027-03-01"})
    assert r.status_code == 200, r.text
    schedule = (await svc.client.get(f"/v1/payments/agreements/{agreement['id']}/schedule",
                                     headers=READ)).json()
    assert sum(i["amount_pence"] for i in schedule) == 650003
    assert [i["amount_pence"] for i in schedule[:4]] == [40000] * 4  # due before 1 March: unchanged
    assert schedule[4]["basis"].startswith("re-planned 2027-03-01: £6,500.03 a year − £1,600.00")
