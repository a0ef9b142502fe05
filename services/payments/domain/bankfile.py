"""Bank files of a payment run: BACS Standard 18 (fixed 100-character records) and CSV for finance systems.
Pure formatting; no I/O."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

RECORD_LENGTH = 100
CREDIT = "99"   # BACS transaction code of a credit to the payee
CONTRA = "17"   # the originator's debit that balances the file
FIELD = 18      # payee name, reference and originator name are truncated to 18 characters
_BACS_CHARS = re.compile(r"[^A-Z0-9 .&/\-]")


@dataclass(frozen=True)
class Originator:
    sort_code: str
    account_number: str
    service_user_number: str
    name: str


@dataclass(frozen=True)
class Credit:
    payment_id: str
    agreement_id: str
    sort_code: str
    account_number: str
    payee_name: str
    reference: str
    amount_pence: int
    due_date: date


def bacs_text(value: str, width: int = FIELD) -> str:
    """Upper case, only the characters BACS accepts, truncated and space-padded to ``width``."""
    return _BACS_CHARS.sub(" ", value.upper())[:width].ljust(width)


def _record(*, dest_sort: str, dest_account: str, code: str, origin: Originator, amount_pence: int,
            name: str, reference: str, account_name: str) -> str:
    # 1-6 destination sort code, 7-14 destination account, 15 account type, 16-17 transaction code,
    # 18-23 originator sort code, 24-31 originator account, 32-35 free, 36-46 amount in pence,
    # 47-64 originator name, 65-82 reference, 83-100 destination account name.
    if not 0 <= amount_pence <= 99_999_999_999:
        raise ValueError("amount does not fit the 11-digit BACS field")
    record = (f"{dest_sort}{dest_account}0{code}{origin.sort_code}{origin.account_number}    "
              f"{amount_pence:011d}{bacs_text(name)}{bacs_text(reference)}{bacs_text(account_name)}")
    assert len(record) == RECORD_LENGTH, record
    return record


LABEL_LENGTH = 80
BLOCK_LENGTH = 2000        # HDR2/EOF2: fixed blocks of 20 records of 100 characters
RECEIVING_PARTY = "999999"  # UHL1: Bacs itself receives the file
WORK_CODE = "1 DAILY  "     # UHL1: a single-day file
PLACEHOLDER_SUN = "123456"  # the dev originator's service user number, refused outside dev mode


@dataclass(frozen=True)
class Submission:
    """What makes one file of one originator unique: the day Bacs processes it, its serial among the
    originator's files for that day (1-999, the UHL1 file number), and the day the file was first made."""
    processing_day: date
    serial: int
    created_on: date


def julian(day: date) -> str:
    """The ` YYDDD` date of Standard 18 labels (a space, the year's last two digits, the day of the year)."""
    return f" {day:%y}{day.timetuple().tm_yday:03d}"


def _label(text: str) -> str:
    assert len(text) == LABEL_LENGTH, (len(text), text)
    return text


def _file_labels(origin: Originator, sub: Submission, *, kind: str) -> list[str]:
    # HDR1/EOF1 (docs/bacs.md has the sources): 5-21 file identifier (A, the SUN, S, 2 spaces, 1, the SUN again),
    # 22-27 set identification (the volume serial), 28-31 section 0001, 32-35 sequence 0001, 36-41 generation
    # and its version (spaces), 42-47 creation date, 48-53 expiry date, 54 accessibility (space), 55-60 block
    # count (000000: Bacstel-IP files are not tape, and EOF1 repeats HDR1), 61-73 system code, 74-80 reserved.
    sun = origin.service_user_number
    one = (f"{kind}1A{sun}S  1{sun}{volume_serial(sub)}0001" "0001" f"{'':6}"
           f"{julian(sub.created_on)}{julian(sub.created_on)} 000000{'':13}{'':7}")
    # HDR2/EOF2: 5 record format F, 6-10 block length, 11-15 record length, 16-50 reserved, 51-52 buffer
    # offset, 53-80 reserved.
    two = f"{kind}2F{BLOCK_LENGTH:05d}{RECORD_LENGTH:05d}{'':35}00{'':28}"
    return [_label(one), _label(two)]


def volume_serial(sub: Submission) -> str:
    """VOL1 5-10 and HDR1 22-27: the processing day's day of the year and the file's serial, so each file of an
    originator's day has its own."""
    return f"{sub.processing_day.timetuple().tm_yday:03d}{sub.serial:03d}"


def data_records(credits: Iterable[Credit], *, origin: Originator) -> tuple[list[str], int, int]:
    """One credit (99) per payment and the originator's contra (17) debiting their total: ``(records, credits'
    total in pence, credits' count)``."""
    records, total = [], 0
    for c in credits:
        total += c.amount_pence
        records.append(_record(dest_sort=c.sort_code, dest_account=c.account_number, code=CREDIT, origin=origin,
                               amount_pence=c.amount_pence, name=origin.name, reference=c.reference,
                               account_name=c.payee_name))
    count = len(records)
    records.append(_record(dest_sort=origin.sort_code, dest_account=origin.account_number, code=CONTRA,
                           origin=origin, amount_pence=total, name=origin.name, reference="CONTRA",
                           account_name=origin.name))
    return records, total, count


def bacs18(credits: Iterable[Credit], *, origin: Originator, submission: Submission) -> str:
    """BACS Standard 18, labelled as Bacstel-IP software and bureaux take it (docs/bacs.md): VOL1, HDR1, HDR2,
    UHL1, the 100-character data records (credits and their contra), EOF1, EOF2, UTL1; labels are 80
    characters. Lines end CRLF."""
    if not 1 <= submission.serial <= 999:
        raise ValueError("the file number of a processing day is 001-999")
    records, total, count = data_records(credits, origin=origin)
    if count > 9_999_999 or total > 99_999_999_999:
        raise ValueError("the file is too large for Standard 18's counts and totals")
    # VOL1: 5-10 volume serial, 11 accessibility (space), 12-41 reserved, 42-47 owner: the SUN, 48-79 reserved,
    # 80 label standard level.
    vol1 = _label(f"VOL1{volume_serial(submission)} {'':20}{'':6}{'':4}{origin.service_user_number}{'':4}"
                  f"{'':28}1")
    # UHL1: 5-10 processing day, 11-20 receiving party (999999: Bacs), 21-22 currency 00, 23-28 country 000000,
    # 29-37 work code, 38-40 file number, 41-47 reserved, 48-54 audit print identifier, 55-80 reserved.
    uhl1 = _label(f"UHL1{julian(submission.processing_day)}{RECEIVING_PARTY:10}00000000{WORK_CODE}"
                  f"{submission.serial:03d}{'':7}{'':7}{'':26}")
    # UTL1: 5-17 debits' value, 18-30 credits' value, 31-37 debits' count, 38-44 credits' count, 45-80 reserved.
    utl1 = _label(f"UTL1{total:013d}{total:013d}{1:07d}{count:07d}{'':36}")
    lines = [vol1, *_file_labels(origin, submission, kind="HDR"), uhl1, *records,
             *_file_labels(origin, submission, kind="EOF"), utl1]
    return "\r\n".join(lines) + "\r\n"


def bacs18_unlabelled(credits: Iterable[Credit], *, origin: Originator) -> str:
    """The data records alone (credits and contra), for Bacstel-IP software that adds the labels itself from
    the submission it is making."""
    records, _, _ = data_records(credits, origin=origin)
    return "\r\n".join(records) + "\r\n"


CSV_COLUMNS = ("payment_id", "agreement_id", "due_date", "amount_pence", "payee_name", "sort_code",
               "account_number", "reference")


def csv_file(credits: Iterable[Credit]) -> str:
    """One row per payment for finance systems (amounts in pence; full bank details, as the bank file has)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in credits:
        writer.writerow((c.payment_id, c.agreement_id, c.due_date.isoformat(), c.amount_pence, c.payee_name,
                         c.sort_code, c.account_number, c.reference))
    return out.getvalue()
