"""The general-ledger journal of payment runs (issue 20): per stream and LA the configured cost centre and
account, a credit to the bank per run, pounds with two decimals, UTF-8 with a BOM and CRLF; it balances to zero
and ties to the bank file's credit total and the run's ledger postings."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from kit.testing import LA, OTHER_LA, auth, running_service
from services.payments import repository
from services.payments.app import create_app
from services.payments.settings import PaymentsSettings
from tests.payments.helpers import FINANCE, active_agreement, run, runtime_of

GL = {LA: {"streams": {"social_care": {"cost_centre": "SC410", "account": "6120"},
                       "education": {"cost_centre": "ED220", "account": "6130"}},
           "bank": {"cost_centre": "FIN01", "account": "1205"}}}


@pytest.fixture
async def gl(memory_backend):
    settings = PaymentsSettings(gl_accounts_by_la=GL)
    async with running_service(create_app, memory_backend, service="payments", settings=settings) as running:
        yield running


def pence(text: str) -> int:
    assert text == "" or (text.count(".") == 1 and len(text.split(".")[1]) == 2 and "£" not in text), text
    return int(Decimal(text or "0") * 100)


def rows_of(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark"
    text = body.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), "CRLF line ends"
    return list(csv.DictReader(io.StringIO(text, newline="")))


async def test_a_run_journal_balances_and_ties_to_the_bank_file_and_the_ledger(gl, today):
    today(date(2026, 11, 27))
    await active_agreement(gl.client, annual=520013, start=date(2026, 11, 1), child="C-a")
    await active_agreement(gl.client, annual=130001, start=date(2026, 12, 1), child="C-b", stream="education")
    done = await run(gl.client, date(2026, 12, 1))
    r = await gl.client.get(f"/v1/payments/runs/{done['id']}/journal.csv", headers=FINANCE)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = rows_of(r.content)
    assert [(x["cost_centre"], x["account_code"], bool(x["debit"]), bool(x["credit"])) for x in rows] == [
        ("ED220", "6130", True, False), ("SC410", "6120", True, False), ("FIN01", "1205", False, True)]
    assert {x["journal_date"] for x in rows} == {"2026-12-01"} and {x["local_authority"] for x in rows} == {LA}
    assert len({x["journal_reference"] for x in rows}) == 1 and [x["line"] for x in rows] == ["1", "2", "3"]
    assert sum(pence(x["amount"]) for x in rows) == 0, "the journal balances to zero"
    debits = sum(pence(x["debit"]) for x in rows)
    assert debits == pence(rows[-1]["credit"])

    bank = (await gl.client.get(f"/v1/payments/runs/{done['id']}/file", headers=FINANCE)).text.split("\r\n")
    utl1 = bank[-2]
    assert utl1[:4] == "UTL1"
    async with runtime_of(gl.client).db.sessions() as session:
        ledger = await repository.run_ledger_payments(session, done["id"])
    assert debits == int(utl1[17:30]) == ledger == done["total_pence"]


async def test_a_period_journal_holds_each_run_of_the_period_and_stays_in_its_la(gl, today):
    today(date(2026, 11, 27))
    await active_agreement(gl.client, start=date(2026, 12, 1), child="C-a")
    first = await run(gl.client, date(2026, 12, 1))
    today(date(2026, 12, 27))
    second = await run(gl.client, date(2026, 12, 29))
    params = {"local_authority": LA, "from": "2026-12-01", "to": "2026-12-31"}
    r = await gl.client.get("/v1/payments/journal.csv", params=params, headers=FINANCE)
    assert r.status_code == 200, r.text
    rows = rows_of(r.content)
    assert {x["journal_reference"][:14] for x in rows} == {"DPRUN-20261201", "DPRUN-20261229"}
    assert sum(pence(x["amount"]) for x in rows) == 0
    assert sum(pence(x["debit"]) for x in rows) == first["total_pence"] + second["total_pence"]
    only_first = rows_of((await gl.client.get("/v1/payments/journal.csv", headers=FINANCE, params={
        **params, "to": "2026-12-28"})).content)
    assert {x["journal_reference"][:14] for x in only_first} == {"DPRUN-20261201"}

    bad = await gl.client.get("/v1/payments/journal.csv", headers=FINANCE, params={**params, "to": "2026-11-30"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "to"
    other = auth("finance", las=[OTHER_LA])
    assert (await gl.client.get("/v1/payments/journal.csv", params=params, headers=other)).status_code == 403
    assert (await gl.client.get(f"/v1/payments/runs/{first['id']}/journal.csv", headers=other)).status_code == 404
