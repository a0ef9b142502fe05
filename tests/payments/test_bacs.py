"""BACS Standard 18 as Bacstel-IP software and bureaux take it (issue 20): every field of every record read BY
POSITION by tests/payments/standard18.py, a reader written from published layouts (its docstring cites them), not
from the writer's code; counts, totals and the contra; each LA's file carries its own originator; production
refuses a placeholder or a missing originator."""
from __future__ import annotations

import base64
import os
from datetime import date

import pytest

from kit.auth import new_private_key_pem, public_key_pem
from kit.settings import PlatformSettings
from kit.testing import LA, OTHER_LA, auth, running_service
from services.payments.app import create_app
from services.payments.settings import PaymentsSettings
from tests.payments.helpers import active_agreement, run
from tests.payments.standard18 import julian, read, read_file

ORIGINATORS = {
    LA: {"service_user_number": "654321", "name": "BUCKS COUNCIL DP", "sort_code": "309634",
         "account_number": "11223344"},
    OTHER_LA: {"service_user_number": "778899", "name": "ROTHERHAM MBC", "sort_code": "404784",
               "account_number": "55667788"},
}
FINANCE_BOTH = auth("finance", "casework", "read", las=[LA, OTHER_LA])

@pytest.fixture
async def bacs(memory_backend):
    settings = PaymentsSettings(originators_by_la=ORIGINATORS)
    async with running_service(create_app, memory_backend, service="payments", settings=settings) as running:
        yield running


async def file_of(client, run_id: str, **params) -> str:
    r = await client.get(f"/v1/payments/runs/{run_id}/file", params=params, headers=FINANCE_BOTH)
    assert r.status_code == 200, r.text
    return r.text


async def test_every_field_of_every_record_is_where_standard_18_puts_it(bacs, today):
    today(date(2026, 11, 27))
    await active_agreement(bacs.client, annual=520013, start=date(2026, 11, 1), child="C-a")
    await active_agreement(bacs.client, annual=130000, start=date(2026, 12, 1), child="C-b", stream="education")
    done = await run(bacs.client, date(2026, 12, 1))
    labels, data = read_file(await file_of(bacs.client, done["id"]))
    origin, sun = ORIGINATORS[LA], ORIGINATORS[LA]["service_user_number"]

    vol = labels["VOL1"]
    assert (vol["submission_serial"], vol["owner_sun"], vol["label_standard_level"]) == ("335001", sun, "1")
    for kind in ("HDR1", "EOF1"):
        one = labels[kind]
        assert (one["file_id_bacs"], one["file_id_sun"], one["file_id_s"], one["file_id_one"],
                one["file_id_sun_again"]) == ("A", sun, "S", "1", sun)
        assert one["set_identification"] == vol["submission_serial"]
        assert (one["file_section_number"], one["file_sequence_number"], one["block_count"]) == \
            ("0001", "0001", "000000")
        assert one["creation_date"] == one["expiration_date"] == julian(2026, 331)  # 27 November 2026
    assert {k: v for k, v in labels["EOF1"].items() if k != "label_identifier"} == \
        {k: v for k, v in labels["HDR1"].items() if k != "label_identifier"}, "EOF1 repeats HDR1"
    for kind in ("HDR2", "EOF2"):
        two = labels[kind]
        assert (two["record_format"], two["block_length"], two["record_length"], two["buffer_offset"]) == \
            ("F", "02000", "00100", "00")
    uhl = labels["UHL1"]
    assert (uhl["processing_day"], uhl["receiving_party"], uhl["currency_code"], uhl["country_code"],
            uhl["work_code"], uhl["file_number"], uhl["audit_print_identifier"]) == \
        (julian(2026, 335), "999999", "00", "000000", "1 DAILY  ", "001", " " * 7)  # 1 December 2026

    credits = [d for d in data if d["transaction_code"] == "99"]
    [contra] = [d for d in data if d["transaction_code"] == "17"]
    assert data[-1] is contra and len(credits) == len(data) - 1 == done["payments_count"] == 3
    for d in data:
        assert (d["originating_sort_code"], d["originating_account"], d["destination_account_type"],
                d["free_format"]) == (origin["sort_code"], origin["account_number"], "0", "    ")
        assert d["service_users_name"] == origin["name"].ljust(18)
    for c in credits:
        assert (c["destination_sort_code"], c["destination_account"], c["destination_account_name"]) == \
            ("401276", "12345678", "ALEX PARENT".ljust(18))
        assert c["service_users_reference"].startswith("DP")
    assert (contra["destination_sort_code"], contra["destination_account"], contra["service_users_reference"],
            contra["destination_account_name"]) == \
        (origin["sort_code"], origin["account_number"], "CONTRA".ljust(18), origin["name"].ljust(18))
    credit_total = sum(int(c["amount_pence"]) for c in credits)
    assert credit_total == int(contra["amount_pence"]) == done["total_pence"]
    utl = labels["UTL1"]
    assert (int(utl["debit_value_total"]), int(utl["credit_value_total"]), int(utl["debit_item_count"]),
            int(utl["credit_item_count"])) == (credit_total, credit_total, 1, 3)


async def test_a_file_is_numbered_once_per_la_and_processing_day_and_another_la_uses_its_own_originator(
        bacs, today):
    today(date(2026, 11, 27))
    await active_agreement(bacs.client, start=date(2026, 12, 1), child="C-a")
    await active_agreement(bacs.client, start=date(2026, 12, 1), child="C-o", la=OTHER_LA, headers=FINANCE_BOTH)
    first = await run(bacs.client, date(2026, 12, 1))
    second = await run(bacs.client, date(2026, 12, 1))   # pays nothing more, yet is a file of its own
    theirs = await run(bacs.client, date(2026, 12, 1), la=OTHER_LA, headers=FINANCE_BOTH)
    one = await file_of(bacs.client, first["id"])
    two_labels, two_data = read_file(await file_of(bacs.client, second["id"]))
    assert await file_of(bacs.client, first["id"]) == one  # downloaded again: the same file, the same number
    assert read_file(one)[0]["UHL1"]["file_number"] == "001" and two_labels["UHL1"]["file_number"] == "002"
    assert two_labels["VOL1"]["submission_serial"] == "335002", "each file of the day has its own serial"
    assert [d["transaction_code"] for d in two_data] == ["17"]
    assert int(two_labels["UTL1"]["credit_item_count"]) == 0

    labels, data = read_file(await file_of(bacs.client, theirs["id"]))
    other = ORIGINATORS[OTHER_LA]
    assert labels["UHL1"]["file_number"] == "001"  # its own LA's first file of the day
    assert labels["VOL1"]["owner_sun"] == other["service_user_number"]
    assert labels["HDR1"]["file_id_sun"] == labels["HDR1"]["file_id_sun_again"] == other["service_user_number"]
    assert {(d["originating_sort_code"], d["originating_account"], d["service_users_name"].strip())
            for d in data} == {(other["sort_code"], other["account_number"], other["name"])}
    assert (data[-1]["destination_sort_code"], data[-1]["destination_account"]) == \
        (other["sort_code"], other["account_number"])


async def test_the_unlabelled_form_is_the_data_records_alone(bacs, today):
    today(date(2026, 11, 27))
    await active_agreement(bacs.client, start=date(2026, 12, 1))
    done = await run(bacs.client, date(2026, 12, 1))
    lines = (await file_of(bacs.client, done["id"], format="bacs18-unlabelled")).split("\r\n")[:-1]
    data = [read(line, "DATA") for line in lines]
    assert [d["transaction_code"] for d in data] == ["99", "17"]
    assert data[0]["amount_pence"] == data[1]["amount_pence"]


PROD = dict(mode="prod", jwt_public_keys={"k": public_key_pem(new_private_key_pem())}, amqp_url="amqp://broker/",
            database_url_template="postgresql+asyncpg://db/sendpb_{service}")
KEYS = {"k1": base64.b64encode(os.urandom(32)).decode()}


def test_outside_dev_mode_a_missing_or_placeholder_originator_is_refused_and_dev_keeps_its_default():
    prod = PlatformSettings(**PROD)
    with pytest.raises(ValueError, match="SENDPB_PAYMENTS_ORIGINATORS_BY_LA must be set outside dev mode"):
        PaymentsSettings(encryption_keys=KEYS).bound_to(prod)
    placeholder = {**ORIGINATORS[LA], "service_user_number": "123456"}
    with pytest.raises(ValueError, match=r"ORIGINATORS_BY_LA\['E06000060'\] is the dev placeholder"):
        PaymentsSettings(encryption_keys=KEYS, originators_by_la={LA: placeholder}).bound_to(prod)
    dev_account = {**ORIGINATORS[LA], "sort_code": "200000", "account_number": "55779911"}
    with pytest.raises(ValueError, match="is the dev placeholder"):
        PaymentsSettings(encryption_keys=KEYS, originators_by_la={LA: dev_account}).bound_to(prod)
    bound = PaymentsSettings(encryption_keys=KEYS, originators_by_la={LA: ORIGINATORS[LA]},
                             family_link_secret="p" * 40, family_link_base_url="https://pb.example.gov.uk").bound_to(prod)
    assert bound.originator_for(LA).service_user_number == "654321"
    assert bound.originator_for(OTHER_LA) is None  # an LA not configured has no bank file in production
    dev = PaymentsSettings().bound_to(PlatformSettings())
    assert dev.originator_for(OTHER_LA).service_user_number == "123456"


async def test_outside_dev_mode_an_la_without_an_originator_gets_a_409_naming_the_setting(bacs, today):
    today(date(2026, 11, 27))
    await active_agreement(bacs.client, start=date(2026, 12, 1))
    done = await run(bacs.client, date(2026, 12, 1))
    settings = bacs.runtime.settings
    settings._dev = False
    settings.originators_by_la = {OTHER_LA: settings.originators_by_la[OTHER_LA]}
    r = await bacs.client.get(f"/v1/payments/runs/{done['id']}/file", headers=FINANCE_BOTH)
    assert r.status_code == 409 and "SENDPB_PAYMENTS_ORIGINATORS_BY_LA['E06000060']" in r.json()["detail"]
