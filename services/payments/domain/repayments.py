"""PAY-10: recovery of overpaid or misused money, and the affordable repayment plan it is taken back by. Pure:
what was paid, dates and settings come in as arguments.

- **Overpaid**: paid after circumstances changed (an agreement's stop, a reduction's effective date): the
  instalments paid for due dates on or after the change, less what was still owed for that time. Never more than
  was paid since the change.
- **Misused**: money used for other purposes, found by an audit, with evidence; never more than was paid under the
  agreement in the period.
- Either goes through PAY-07 (notice with reasons and evidence, challenge window, decision) before a plan.
- **A repayment plan**: by deduction from future instalments (a fixed amount or a percentage of each instalment,
  never leaving an instalment below ``floor_percent`` of its amount), or by invoice in ``n`` monthly instalments.
  Either way the plan's parts add back exactly to the amount (integer pence; the last part takes the remainder).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kit.money import pounds
from services.payments.domain.errors import Invalid, Refused
from services.payments.domain.schedule import add_months

RULE = "PAY-10"
KINDS = ("overpaid", "misused")


@dataclass(frozen=True)
class Found:
    """What a PAY-10 recovery may take back, and the reasons the notice states."""

    amount_pence: int
    reasons: list[str]


def overpaid(paid: list[tuple[date, int]], *, changed_on: date, owed_pence: int, why: str) -> Found:
    """PAY-10: the overpayment after circumstances changed on ``changed_on``: what was paid (``paid``: due date and
    amount of each live payment, from the payments ledger) for instalments due on or after it, less ``owed_pence``
    still owed for that time. Never more than was paid since the change."""
    since = [amount for due, amount in paid if due >= changed_on]
    paid_since = sum(since)
    if paid_since == 0:
        raise Invalid("changed_on", f"nothing was paid for instalments due on or after {changed_on.isoformat()}: "
                      "there is no overpayment to recover", rule=RULE)
    if owed_pence >= paid_since:
        raise Invalid("owed_pence", f"{pounds(owed_pence)} still owed is not less than the {pounds(paid_since)} "
                      f"paid since {changed_on.isoformat()}: nothing was overpaid", rule=RULE)
    amount = paid_since - owed_pence
    return Found(amount, [
        f"Circumstances changed on {changed_on.isoformat()}: {why}",
        f"Overpaid (PAY-10): {len(since)} instalment(s) paid for due dates on or after "
        f"{changed_on.isoformat()}, {pounds(paid_since)}, less {pounds(owed_pence)} still owed for that time = "
        f"{pounds(amount)}."])


def misused(amount_pence: int, *, evidence: list[dict], paid_in_period_pence: int, period_start: date,
            period_end: date, why: str) -> Found:
    """PAY-10: money used for other purposes, as an audit found it: evidence is required, and never more than was
    paid under the agreement in the period."""
    if not evidence:
        raise Invalid("evidence", "a recovery of misused money states its evidence (description and reference)",
                      rule=RULE)
    if period_end < period_start:
        raise Invalid("period_end", "the period ends before it starts", rule=RULE)
    if amount_pence > paid_in_period_pence:
        raise Invalid("amount_pence", f"{pounds(amount_pence)} is more than the {pounds(paid_in_period_pence)} "
                      f"paid under this agreement from {period_start.isoformat()} to {period_end.isoformat()}; "
                      "never more than was paid may be recovered", rule=RULE)
    listed = "; ".join(f"{e['description']} (ref. {e['reference']})" for e in evidence)
    return Found(amount_pence, [
        f"Money used for other purposes between {period_start.isoformat()} and {period_end.isoformat()}: {why}",
        f"Misused (PAY-10): {pounds(amount_pence)} of the {pounds(paid_in_period_pence)} paid in the period. "
        f"Evidence: {listed}."])


def anything_recoverable(recoverable_pence: int) -> None:
    """PAY-10: an agreement under which nothing paid remains (nothing paid, or all of it returned, recovered or
    under another notice) has nothing to recover: a refusal by its state, whatever the request says."""
    if recoverable_pence <= 0:
        raise Refused("nothing paid under this agreement remains to be recovered: what was paid has been returned, "
                      "recovered or is under another recovery notice", rule=RULE)


def within_recoverable(amount_pence: int, recoverable_pence: int) -> None:
    """PAY-10: never more than was paid and not yet returned, recovered or under another open recovery."""
    if amount_pence > recoverable_pence:
        raise Invalid("amount_pence", f"{pounds(amount_pence)} is more than the {pounds(recoverable_pence)} paid "
                      "under this agreement and not yet returned, recovered or under another recovery notice",
                      rule=RULE)


# ------------------------------------------------------------------ the affordable repayment plan
def floor_pence(amount_pence: int, floor_percent: int) -> int:
    """The least an instalment may pay after deductions: ``floor_percent`` of it, rounded up."""
    return -(-amount_pence * floor_percent // 100)


def deduction_schedule(amount_pence: int, upcoming: list[tuple[int, int, int]], *, per_instalment_pence: int | None,
                       per_instalment_percent: int | None, floor_percent: int) -> list[tuple[int, int]]:
    """PAY-10: repay by deduction from future instalments, soonest first. ``upcoming`` is (instalment id, amount,
    already deducted). Each deduction is the fixed amount or the percentage of the instalment, never leaving it
    below ``floor_percent`` of its amount; the last takes what remains. Returns (instalment id, deduction), adding
    up to ``amount_pence`` exactly, or refuses when the instalments cannot cover it."""
    if (per_instalment_pence is None) == (per_instalment_percent is None):
        raise Invalid("per_instalment_pence", "give one of per_instalment_pence or per_instalment_percent",
                      rule=RULE)
    plan, left = [], amount_pence
    for ident, amount, deducted in upcoming:
        if left <= 0:
            break
        room = amount - deducted - floor_pence(amount, floor_percent)
        want = per_instalment_pence if per_instalment_pence is not None else amount * per_instalment_percent // 100
        take = min(want, room, left)
        if take > 0:
            plan.append((ident, take))
            left -= take
    if left > 0:
        raise Refused(f"the instalments still to pay cannot cover {pounds(amount_pence)} at this rate without "
                      f"taking an instalment below {floor_percent}% of it ({pounds(left)} would be left): deduct "
                      "more per instalment within the floor, or repay by invoice", rule=RULE,
                      errors=[{"field": "method", "message": "use a higher rate or invoice"}])
    return plan


def invoice_schedule(amount_pence: int, *, instalments: int, first_due: date) -> list[tuple[date, int]]:
    """PAY-10: repay by invoice in ``instalments`` monthly invoices from ``first_due``: equal parts in pence, the
    last taking the remainder, adding up to ``amount_pence`` exactly."""
    if instalments < 1 or instalments > amount_pence:
        raise Invalid("instalments", f"between 1 and {amount_pence} (one penny each at least)", rule=RULE)
    part = amount_pence // instalments
    parts = [part] * (instalments - 1) + [amount_pence - part * (instalments - 1)]
    return [(add_months(first_due, n), p) for n, p in enumerate(parts)]


def repayable(status: str) -> None:
    """PAY-07/PAY-10: a plan is agreed only once the notice's challenge is over (checked by ``confirmable``) and
    only once."""
    if status in ("repaying", "repaid"):
        raise Refused("this recovery already has a repayment plan", rule=RULE)


def received(status: str) -> None:
    """A repayment is received once."""
    if status == "received":
        raise Refused("this repayment was already received", rule=RULE)
    if status != "invoiced":
        raise Refused(f"this repayment is {status}: a deduction is received by the payment run", rule=RULE)
