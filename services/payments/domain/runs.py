"""What a payment run pays for one instalment (PAY-04, PAY-07): the amount payable after any recovery deducted from
it, the basis stated on the payment, its BACS reference, and the accounts of the ledger it moves money between."""
from __future__ import annotations

from datetime import date
from functools import lru_cache


def payable(amount_pence: int, deducted_pence: int) -> int:
    """PAY-07: an instalment pays what is left after a recovery deducted from it (nothing, if it covers it all:
    such a payment is recorded as ``deducted`` and not sent to the bank)."""
    return max(amount_pence - deducted_pence, 0)


def payment_basis(basis: str, deducted_pence: int) -> str:
    """PAY-03/PAY-07: the instalment's basis, and the recovery deducted from it."""
    return basis if not deducted_pence else f"{basis}; less {deducted_pence}p recovery (PAY-07)"


@lru_cache(maxsize=4096)
def _yymmdd(day: date) -> str:
    return f"{day:%y%m%d}"


def reference(agreement_id: str, due_date: date) -> str:
    """The payment's BACS reference: ``DP``, the agreement's first 8 characters and the due date (18 at most)."""
    return f"DP{agreement_id[:8].upper()}{_yymmdd(due_date)}"


def payee_account(agreement_id: str) -> str:
    """The ledger account of what the payee under an agreement was paid."""
    return f"payee:{agreement_id}"


def la_account(la: str) -> str:
    """The ledger account the LA pays direct payments from."""
    return f"la:{la}:direct_payments"


def progress(*, due_count: int, settled_count: int, completed: bool) -> dict[str, int]:
    """How far a run got: instalments found due when it started, how many are settled, the percentage."""
    done = 100 if completed or not due_count else min(99, settled_count * 100 // due_count)
    return {"instalments_due": due_count, "instalments_settled": settled_count, "percent": done}
