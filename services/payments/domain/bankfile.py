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


def bacs18(credits: Iterable[Credit], *, origin: Originator, processing_date: date) -> str:
    """A header naming the service user number and processing date, one credit (99) per payment and one contra
    (17) for their total, every record exactly 100 characters."""
    lines = [f"UHL1 {processing_date:%y}{processing_date.timetuple().tm_yday:03d}{origin.service_user_number}"
             f"{bacs_text(origin.name)}".ljust(RECORD_LENGTH)]
    total = 0
    for c in credits:
        total += c.amount_pence
        lines.append(_record(dest_sort=c.sort_code, dest_account=c.account_number, code=CREDIT, origin=origin,
                             amount_pence=c.amount_pence, name=origin.name, reference=c.reference,
                             account_name=c.payee_name))
    lines.append(_record(dest_sort=origin.sort_code, dest_account=origin.account_number, code=CONTRA,
                         origin=origin, amount_pence=total, name=origin.name, reference="CONTRA",
                         account_name=origin.name))
    return "\r\n".join(lines) + "\r\n"


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
