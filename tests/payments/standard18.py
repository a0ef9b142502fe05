"""An independent reader of BACS Standard 18 files (issue 20), written from published layouts, not from the
writer (services/payments/domain/bankfile.py), so the writer is checked against them and not against itself.

Every field is read BY POSITION (from 1, both ends included) and its kind checked: ``n`` digits, ``d`` a label
date `` YYDDD`` (a space, the year's last two digits, the day of the year), ``b`` spaces only (what the layouts
call reserved or blank), ``a`` any characters. Sources, and where they disagree:

- Bank of Ireland, "BACS File Specification" (Appendix 2): VOL1 and HDR1 field by field, numbers, lengths and
  positions, e.g. VOL1 11 accessibility "blank space or a zero", 42-47 owner identification, 80 label standard
  level "1"; HDR1 5 / 6-11 / 12 / 13-14 / 15 / 16-21 file identifier parts, 22-27 set identification, 55-60 block
  count. https://online.documentine.com/bank-branch-number-on-check/2/pdf-bacs-file-specification.html
- HSBC's layout as MYOB documents it for its HSBC export: VOL1 fields 1-7b (11 blank, 38-41 blank, 42-47 SUN).
  https://help.myob.com.au/advanced/Docs/Published/UserGuide/CA__CON_Settings_of_BACS_HSBC_Plug-In.html
- FinDock, "Bacs Direct Debit collection file": the record order VOL, HDR1, HDR2, UHL1, data, EOF1, EOF2, UTL1 and
  VOL1's positions. https://docs.findock.com/May-25-sandbox/payment-processors/bacs-dd-collection-file
- Odoo's UK Bacs module, ``l10n_uk_bacs/models/account_journal.py`` (GitHub, e.g. repository
  Eddy-C127/enterprise18): every label, the data record and the contra, as a maintained product writes them.
- Two writers for HSBC in the search index's stored copies (their repositories are not shown there): uzERP's
  ``HSBC_BACS.php`` (GPLv3) and an Exchequer export unit ``Hsb18obj.pas``. Both write UHL1 as
  `` YYDDD`` + ``999999`` + 4 spaces + ``00`` + ``000000`` + ``1 DAILY  `` + file number, HDR2 with ``00`` at 51-52,
  and HDR1/EOF1 block count ``000000`` with EOF1 repeating HDR1.
- EOF1/EOF2 repeat HDR1/HDR2 but for the label (ANSI X3.27 tape labels, as Fujitsu's BS2000 manual sets out).

Where they disagree this reader follows the majority: UHL1 11-20 ``999999`` (the HSBC writers; Odoo writes the
SUN), HDR2 51-52 ``00`` (Odoo: spaces), HDR1 36-41 generation spaces (Odoo, uzERP; Exchequer: ``000101``),
HDR1 55-60 ``000000`` in HDR1 and EOF1 alike (uzERP, Exchequer; Odoo: spaces). docs/bacs.md records each choice.
"""
from __future__ import annotations

import re

# (field, first position, last position, kind)
LAYOUT: dict[str, list[tuple[str, int, int, str]]] = {
    "VOL1": [("label_identifier", 1, 3, "a"), ("label_number", 4, 4, "n"), ("submission_serial", 5, 10, "a"),
             ("accessibility", 11, 11, "b"), ("reserved_12_31", 12, 31, "b"), ("reserved_32_37", 32, 37, "b"),
             ("owner_blank", 38, 41, "b"), ("owner_sun", 42, 47, "n"), ("reserved_48_51", 48, 51, "b"),
             ("reserved_52_79", 52, 79, "b"), ("label_standard_level", 80, 80, "n")],
    "HDR1": [("label_identifier", 1, 3, "a"), ("label_number", 4, 4, "n"), ("file_id_bacs", 5, 5, "a"),
             ("file_id_sun", 6, 11, "n"), ("file_id_s", 12, 12, "a"), ("file_id_blank", 13, 14, "b"),
             ("file_id_one", 15, 15, "n"), ("file_id_sun_again", 16, 21, "n"), ("set_identification", 22, 27, "a"),
             ("file_section_number", 28, 31, "n"), ("file_sequence_number", 32, 35, "n"),
             ("generation_number", 36, 39, "b"), ("generation_version_number", 40, 41, "b"),
             ("creation_date", 42, 47, "d"), ("expiration_date", 48, 53, "d"), ("accessibility", 54, 54, "b"),
             ("block_count", 55, 60, "n"), ("system_code", 61, 73, "b"), ("reserved", 74, 80, "b")],
    "HDR2": [("label_identifier", 1, 3, "a"), ("label_number", 4, 4, "n"), ("record_format", 5, 5, "a"),
             ("block_length", 6, 10, "n"), ("record_length", 11, 15, "n"), ("reserved_16_50", 16, 50, "b"),
             ("buffer_offset", 51, 52, "n"), ("reserved_53_80", 53, 80, "b")],
    "UHL1": [("label_identifier", 1, 3, "a"), ("label_number", 4, 4, "n"), ("processing_day", 5, 10, "d"),
             ("receiving_party", 11, 16, "n"), ("receiving_party_blank", 17, 20, "b"), ("currency_code", 21, 22, "n"),
             ("country_code", 23, 28, "n"), ("work_code", 29, 37, "a"), ("file_number", 38, 40, "n"),
             ("reserved_41_47", 41, 47, "b"), ("audit_print_identifier", 48, 54, "a"),
             ("reserved_55_80", 55, 80, "b")],
    "UTL1": [("label_identifier", 1, 3, "a"), ("label_number", 4, 4, "n"), ("debit_value_total", 5, 17, "n"),
             ("credit_value_total", 18, 30, "n"), ("debit_item_count", 31, 37, "n"),
             ("credit_item_count", 38, 44, "n"), ("reserved_45_80", 45, 80, "b")],
    # The data record (credit, debit or contra).
    "DATA": [("destination_sort_code", 1, 6, "n"), ("destination_account", 7, 14, "n"),
             ("destination_account_type", 15, 15, "n"), ("transaction_code", 16, 17, "a"),
             ("originating_sort_code", 18, 23, "n"), ("originating_account", 24, 31, "n"),
             ("free_format", 32, 35, "a"), ("amount_pence", 36, 46, "n"), ("service_users_name", 47, 64, "a"),
             ("service_users_reference", 65, 82, "a"), ("destination_account_name", 83, 100, "a")],
}
LAYOUT["EOF1"], LAYOUT["EOF2"] = LAYOUT["HDR1"], LAYOUT["HDR2"]
LABELS_BEFORE, LABELS_AFTER = ("VOL1", "HDR1", "HDR2", "UHL1"), ("EOF1", "EOF2", "UTL1")
KINDS = {"n": re.compile(r"\d+"), "d": re.compile(r" \d{5}"), "b": re.compile(r" +"), "a": re.compile(r".+")}
CHARACTERS = re.compile(r"[A-Z0-9 .&/\-]*")  # what Bacs accepts in a record


def read(line: str, kind: str) -> dict[str, str]:
    """The fields of one record of ``kind`` (a label's name, or ``DATA``), each checked against its kind."""
    fields = LAYOUT[kind]
    assert len(line) == fields[-1][2], f"{kind} is {len(line)} characters, not {fields[-1][2]}: {line!r}"
    assert CHARACTERS.fullmatch(line), f"{kind} has characters Bacs refuses: {line!r}"
    out = {}
    for name, first, last, of in fields:
        value = line[first - 1:last]
        assert KINDS[of].fullmatch(value), f"{kind} {first}-{last} {name} is not {of!r}: {value!r}"
        out[name] = value
    if kind != "DATA":
        assert out["label_identifier"] + out["label_number"] == kind
    return out


def read_file(text: str) -> tuple[dict[str, dict[str, str]], list[dict[str, str]]]:
    """A labelled file: its labels by name, and its data records in order. Lines end CRLF."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    head, body, tail = lines[:4], lines[4:-3], lines[-3:]
    labels = {kind: read(line, kind) for kind, line in zip(LABELS_BEFORE + LABELS_AFTER, head + tail, strict=True)}
    return labels, [read(line, "DATA") for line in body]


def julian(year: int, day_of_year: int) -> str:
    """`` YYDDD`` for a year and a day of it: written out here rather than taken from the writer."""
    return f" {year % 100:02d}{day_of_year:03d}"
