"""The general-ledger journal of payment runs, for a council's finance system: for each run one debit line per
stream (the stream's cost centre and account) and one credit line to the bank (contra) account for the run's
total, so each run's journal balances to zero and its debits are the bank file's credits. Amounts are pounds with
two decimals (``1234.56``) in the file only; pence everywhere else. Pure; no I/O."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from kit.money import decimal_pounds

BOM = "\ufeff"
COLUMNS = ("journal_date", "journal_reference", "local_authority", "line", "cost_centre", "account_code",
           "description", "debit", "credit", "amount")


@dataclass(frozen=True)
class Line:
    journal_date: date
    reference: str
    local_authority: str
    cost_centre: str
    account: str
    description: str
    debit_pence: int = 0
    credit_pence: int = 0

    @property
    def amount_pence(self) -> int:
        """Signed: debits positive, credits negative, so a balanced journal sums to zero."""
        return self.debit_pence - self.credit_pence


def reference(run_id: str, run_date: date) -> str:
    """The journal reference of a run: its date and the start of its id (what finance looks the run up by)."""
    return f"DPRUN-{run_date:%Y%m%d}-{run_id[:8]}"


def run_lines(*, run_id: str, run_date: date, la: str, by_stream: Sequence[tuple[str | None, int]],
              code: Callable[[str | None], tuple[str, str]], bank: tuple[str, str]) -> list[Line]:
    """One debit line per stream paid in the run and one credit line to the bank for their total (nothing for a
    run that paid nothing). ``code(stream)`` is the stream's (cost centre, account)."""
    ref = reference(run_id, run_date)
    lines = []
    for stream, pence in by_stream:
        if pence:
            cost_centre, account = code(stream)
            lines.append(Line(run_date, ref, la, cost_centre, account,
                              f"Direct payments {stream or 'unassigned'}", debit_pence=pence))
    total = sum(line.debit_pence for line in lines)
    if total:
        lines.append(Line(run_date, ref, la, bank[0], bank[1], "Direct payments bank (BACS contra)",
                          credit_pence=total))
    assert sum(line.amount_pence for line in lines) == 0
    return lines


def csv_text(lines: Iterable[Line]) -> str:
    """The journal as finance systems and Excel open it: UTF-8 with a byte-order mark, CRLF line ends, amounts
    as ``1234.56`` (debit, credit, and the signed amount)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    numbers: dict[str, int] = {}
    for line in lines:
        numbers[line.reference] = numbers.get(line.reference, 0) + 1
        writer.writerow((line.journal_date.isoformat(), line.reference, line.local_authority,
                         numbers[line.reference], line.cost_centre, line.account, line.description,
                         decimal_pounds(line.debit_pence) if line.debit_pence else "",
                         decimal_pounds(line.credit_pence) if line.credit_pence else "",
                         decimal_pounds(line.amount_pence)))
    return BOM + out.getvalue()
