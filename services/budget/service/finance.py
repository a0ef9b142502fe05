"""Finance totals of the budget ledger (BUD-08): the figures reconciliation compares with other services."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.budget.ledger import CREDIT_ACCOUNTS

# (kind of posting, account) → the figure it adds to, and the sign that makes the figure positive.
BY_KIND = {("payment", "spent"): ("payments_pence", 1), ("recovery", "spent"): ("recoveries_pence", -1),
           ("release", "released"): ("released_pence", -1), ("return", "released"): ("returned_pence", 1)}
BALANCES = ("agreed", "released", "committed", "spent", "available")


def rows_of(sums: Iterable[tuple[str, str, str, str, int]]) -> list[dict[str, Any]]:
    """One row per budget and stream from ``(budget_id, stream, kind, account, pence)`` sums; streams whose money
    figures are all zero (an indicative figure only) are left out."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for budget_id, stream, kind, account, pence in sums:
        row = rows.setdefault((budget_id, stream), {
            "budget_id": budget_id, "stream": stream, **{f: 0 for f, _ in BY_KIND.values()},
            **{f"{a}_total_pence" if a == "released" else f"{a}_pence": 0 for a in BALANCES}})
        pence = int(pence or 0)
        if (kind, account) in BY_KIND:
            figure, sign = BY_KIND[(kind, account)]
            row[figure] += sign * pence
        if account in BALANCES:
            name = "released_total_pence" if account == "released" else f"{account}_pence"
            row[name] += -pence if account in CREDIT_ACCOUNTS else pence
    return [row for _, row in sorted(rows.items()) if any(v for k, v in row.items() if k.endswith("_pence"))]
