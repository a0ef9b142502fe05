"""BACS Standard 18 as Bacstel-IP software and bureaux take it (issue 20): every field of every record read BY
POSITION with a reader written here from the published layout (docs/bacs.md), not from the writer's code; counts,
totals and the contra; each LA's file carries its own originator; production refuses a placeholder or a missing
originator."""
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

ORIGINATORS = {
    LA: {"service_user_number": "654321", "name": "BUCKS COUNCIL DP", "sort_code": "309634",
         "account_number": "11223344"},
    OTHER_LA: {"service_user_number": "778899", "name": "ROTHERHAM MBC", "sort_code": "404784",
               "account_number": "55667788"},
}
FINANCE_BOTH = auth("finance", "casework", "read", las=[LA, OTHER_LA])

# Standard 18, labelled (1-based positions, both ends included).
LAYOUT = {
    "VOL1": [("label", 1, 4), ("volume_serial", 5, 10), ("accessibility", 11, 11), ("reserved_1", 12, 37),
             ("owner_lead", 38, 41), ("owner_sun", 42, 47), ("owner_tail", 48, 51), ("reserved_2", 52, 79),
             ("label_standard", 80, 80)],
    "HDR1": [("label", 1, 4), ("file_id", 5, 21), ("set_id", 22, 27), ("section", 28, 31), ("sequence", 32, 35),
             ("generation", 36, 39), ("generation_version", 40, 41), ("created", 42, 47), ("expires", 48, 53),
             ("accessibility", 54, 54), ("block_count", 55, 60), ("system_code", 61, 73), ("reserved", 74, 80)],
    "HDR2": [("label", 1, 4), ("record_format", 5, 5), ("block_length", 6, 10), ("record_length", 11, 15),
             ("reserved_1", 16, 50), ("buffer_offset", 51, 52), ("reserved_2", 53, 80)],
    "UHL1": [("label", 1, 4), ("processing_day", 5, 10), ("receiving_party", 11, 20), ("currency", 21, 22),
             ("country", 23, 28), ("work_code", 29, 37), ("file_number", 38, 40), ("reserved_1", 41, 47),
             ("audit_print", 48, 54), ("reserved_2", 55, 80)],
    "UTL1": [("label", 1, 4), ("debit_value", 5, 17), ("credit_value", 18, 30), ("debit_count", 31, 37),
             ("credit_count", 38, 44), ("reserved", 45, 80)],
    "DATA": [("dest_sort", 1, 6), ("dest_account", 7, 14), ("account_type", 15, 15), ("code", 16, 17),
             ("orig_sort", 18, 23), ("orig_account", 24, 31), ("free", 32, 35), ("amount", 36, 46),
             ("originator_name", 47, 64), ("reference", 65, 82), ("dest_name", 83, 100)],
}
LAYOUT["EOF1"], LAYOUT["EOF2"] = LAYOUT["HDR1"], LAYOUT["HDR2"]


def read(line: str, kind: str) -> dict[str, str]:
    fields = LAYOUT[kind]
    assert len(line) == fields[-1][2], (kind, len(line), line)
    return {name: line[start - 1:end] for name, start, end in fields}


def read_file(text: str) -> tuple[dict[str, dict[str, str]], list[dict[str, str]]]:
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    kinds = [line[:4] for line in lines[:4]] + [line[:4] for line in lines[-3:]]
    assert kinds == ["VOL1", "HDR1", "HDR2", "UHL1", "EOF1", "EOF2", "UTL1"]
    labels = {kind: read(line, kind) for kind, line in zip(kinds, lines[:4] + lines[-3:], strict=True)}
    return labels, [read(line, "DATA") for line in lines[4:-3]]


def julian(day: date) -> str:
    return f" {day.strftime('%y')}{day.timetuple().tm_yday:03d}"


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
    assert (vol["volume_serial"], vol["accessibility"], vol["owner_sun"], vol["label_standard"]) == \
        ("335001", "0", sun, "1")
    assert (vol["reserved_1"] + vol["owner_lead"] + vol["owner_tail"] + vol["reserved_2"]).strip() == ""
    for kind, blocks in (("HDR1", "000000"), ("EOF1", "000001")):  # 4 records of 100 fit one block of 2000
        one = labels[kind]
        assert one["file_id"] == f"A{sun}S  001    " and one["set_id"] == vol["volume_serial"]
        assert (one["section"], one["sequence"], one["generation"], one["generation_version"]) == \
            ("0001", "0001", "0001", "00")
        assert one["created"] == one["expires"] == julian(date(2026, 11, 27)) == " 26331"
        assert (one["accessibility"], one["block_count"]) == (" ", blocks)
        assert (one["system_code"] + one["reserved"]).strip() == ""
    for kind in ("HDR2", "EOF2"):
        two = labels[kind]
        assert (two["record_format"], two["block_length"], two["record_length"], two["buffer_offset"]) == \
            ("F", "02000", "00100", "00")
        assert (two["reserved_1"] + two["reserved_2"]).strip() == ""
    uhl = labels["UHL1"]
    assert (uhl["processing_day"], uhl["receiving_party"], uhl["currency"], uhl["country"], uhl["work_code"],
            uhl["file_number"]) == (" 26335", "999999    ", "00", "000000", "1 DAILY  ", "001")
    assert (uhl["reserved_1"] + uhl["audit_print"] + uhl["reserved_2"]).strip() == ""

    credits = [d for d in data if d["code"] == "99"]
    [contra] = [d for d in data if d["code"] == "17"]
    assert data[-1] is contra and len(credits) == len(data) - 1 == done["payments_count"] == 3
    for d in data:
        assert (d["orig_sort"], d["orig_account"], d["account_type"], d["free"]) == \
            (origin["sort_code"], origin["account_number"], "0", "    ")
        assert d["originator_name"] == origin["name"].ljust(18) and d["amount"].isdigit()
    for c in credits:
        assert (c["dest_sort"], c["dest_account"], c["dest_name"]) == ("401276", "12345678", "ALEX PARENT".ljust(18))
        assert c["reference"].startswith("DP")
    assert (contra["dest_sort"], contra["dest_account"], contra["reference"], contra["dest_name"]) == \
        (origin["sort_code"], origin["account_number"], "CONTRA".ljust(18), origin["name"].ljust(18))
    credit_total = sum(int(c["amount"]) for c in credits)
    assert credit_total == int(contra["amount"]) == done["total_pence"]
    utl = labels["UTL1"]
    assert (int(utl["debit_value"]), int(utl["credit_value"]), int(utl["debit_count"]),
            int(utl["credit_count"])) == (credit_total, credit_total, 1, 3)
    assert utl["reserved"].strip() == ""


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
    assert [d["code"] for d in two_data] == ["17"] and int(two_labels["UTL1"]["credit_count"]) == 0

    labels, data = read_file(await file_of(bacs.client, theirs["id"]))
    other = ORIGINATORS[OTHER_LA]
    assert labels["UHL1"]["file_number"] == "001"  # its own LA's first file of the day
    assert labels["VOL1"]["owner_sun"] == other["service_user_number"]
    assert labels["HDR1"]["file_id"].startswith(f"A{other['service_user_number']}S")
    assert {(d["orig_sort"], d["orig_account"], d["originator_name"].strip()) for d in data} == \
        {(other["sort_code"], other["account_number"], other["name"])}
    assert (data[-1]["dest_sort"], data[-1]["dest_account"]) == (other["sort_code"], other["account_number"])


async def test_the_unlabelled_form_is_the_data_records_alone(bacs, today):
    today(date(2026, 11, 27))
    await active_agreement(bacs.client, start=date(2026, 12, 1))
    done = await run(bacs.client, date(2026, 12, 1))
    lines = (await file_of(bacs.client, done["id"], format="bacs18-unlabelled")).split("\r\n")[:-1]
    data = [read(line, "DATA") for line in lines]
    assert [d["code"] for d in data] == ["99", "17"] and data[0]["amount"] == data[1]["amount"]


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
