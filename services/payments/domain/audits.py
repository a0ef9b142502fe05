"""Audits (PAY-05), surplus (PAY-06), recovery notices and their challenge (PAY-07), and what may be recovered
(PAY-10). Pure: dates come in as arguments."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kit.money import pounds
from services.payments.domain.errors import Invalid, NotNow, Refused
from services.payments.domain.schedule import add_months

FIRST_AUDIT_MONTHS = 3    # PAY-05: first audit within 3 months of signing
LATER_AUDIT_MONTHS = 12   # PAY-05: then at least annually
OPEN_NOTICE = ("notice_issued", "challenged", "challenge_rejected")  # a recovery not yet confirmed or withdrawn


def first_audit_due(signed_on: date) -> date:
    """PAY-05: the first audit is due within 3 months of signing."""
    return add_months(signed_on, FIRST_AUDIT_MONTHS)


def next_audit_due(audited_on: date) -> date:
    """PAY-05: then at least every year."""
    return add_months(audited_on, LATER_AUDIT_MONTHS)


def period_ended(period_end: date, today: date) -> None:
    """PAY-05: an audit covers a period that has ended."""
    if period_end > today:
        raise Invalid("period_end", f"an audit covers a period that has ended: on or before {today.isoformat()}",
                      rule="PAY-05")


@dataclass(frozen=True)
class Surplus:
    contingency_pence: int
    contingency_basis: str
    surplus_pence: int
    basis: str


def surplus(*, balance_pence: int, commitments_pence: int, annual_pence: int,
            contingency_weeks: int) -> Surplus:
    """PAY-06: surplus = balance − commitments − contingency (``contingency_weeks`` of payments, DEFAULT 8).
    Only a surplus above zero may be reclaimed."""
    contingency = annual_pence * contingency_weeks // 52
    contingency_basis = (f"{contingency_weeks} weeks × {pounds(annual_pence)} a year ÷ 52 = "
                         f"{pounds(contingency)}")
    raw = balance_pence - commitments_pence - contingency
    basis = (f"{pounds(balance_pence)} held − {pounds(commitments_pence)} committed − {pounds(contingency)} "
             f"contingency = {pounds(raw)}")
    return Surplus(contingency, contingency_basis, max(raw, 0), basis)


def recovery_reasons(result: Surplus, *, period_end: date, extra: list[str]) -> list[str]:
    """PAY-07: the written reasons of a recovery notice."""
    return [f"At the audit of the period ending {period_end.isoformat()} the unspent balance exceeded what "
            f"is needed: {result.basis}.",
            f"Contingency kept for the family (PAY-06): {result.contingency_basis}.", *extra]


def recoverable_part(surplus_pence: int, recoverable_pence: int) -> tuple[int, list[str]]:
    """PAY-10: never recover more than was paid and not yet recovered or returned; the amount, and a reason to
    state when the surplus is capped."""
    if surplus_pence <= recoverable_pence:
        return surplus_pence, []
    return recoverable_pence, [f"The surplus of {pounds(surplus_pence)} is more than the {pounds(recoverable_pence)} "
                               "paid under this agreement and not yet recovered or returned; only that is recovered "
                               "(PAY-10)."]


def deduction_plan(amount_pence: int, upcoming: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """PAY-07: recover by deduction from future instalments, soonest first. ``upcoming`` is (instalment id,
    amount still payable); returns (instalment id, deduction). What the instalments cannot cover stays
    undeducted."""
    plan, left = [], amount_pence
    for ident, payable in upcoming:
        if left <= 0:
            break
        take = min(payable, left)
        if take > 0:
            plan.append((ident, take))
            left -= take
    return plan


def deductions_cover(plan: list[tuple[int, int]], amount_pence: int) -> None:
    """PAY-07: a recovery by deduction must be covered by the instalments still to pay; otherwise it is invoiced."""
    if sum(take for _, take in plan) < amount_pence:
        raise Refused("the remaining instalments cannot cover this recovery; confirm it with method invoice",
                      rule="PAY-07", errors=[{"field": "method", "message": "use invoice"}])


# ------------------------------------------------------------------ a recovery notice's moves (PAY-07)
def replaceable(*, period_end: date, recovery_id: str | None, recovery_status: str | None,
                confirmed_on: date | None, audit_id: str) -> None:
    """PAY-06/07: a second audit of a period replaces the first, unless the first's recovery was confirmed: that
    took money back after its notice, and a new audit may not silently replace it."""
    if recovery_status == "confirmed":
        on = confirmed_on.isoformat() if confirmed_on else "an earlier day"
        raise Refused(f"the audit of the period ending {period_end.isoformat()} led to recovery {recovery_id}, "
                      f"confirmed on {on}; a new audit cannot silently replace a confirmed recovery", rule="PAY-07",
                      audit_id=audit_id, recovery_id=recovery_id)


def challenge(status: str, *, challenge_by: date, today: date) -> str:
    """PAY-07: the family may challenge the notice until the window closes. The status after the challenge."""
    if status != "notice_issued":
        raise NotNow(f"recovery is {status}; only an issued notice can be challenged")
    if today > challenge_by:
        raise Refused(f"the challenge window closed on {challenge_by.isoformat()}", rule="PAY-07")
    return "challenged"


def decide(status: str, *, outcome: str) -> str:
    """An upheld challenge withdraws the recovery; a rejected one lets it be confirmed."""
    if status != "challenged":
        raise NotNow(f"recovery is {status}; there is no challenge to decide")
    return "withdrawn" if outcome == "upheld" else "challenge_rejected"


def confirmable(status: str, *, challenge_by: date, today: date) -> None:
    """PAY-07: no silent clawback. Confirmed only after the challenge window, or once a challenge was rejected."""
    if status == "challenged":
        raise Refused("a challenge to this notice is awaiting a decision", rule="PAY-07")
    if status not in ("notice_issued", "challenge_rejected"):
        raise NotNow(f"recovery is {status} and cannot be confirmed")
    if status == "notice_issued" and today <= challenge_by:
        raise Refused(f"the family may challenge until {challenge_by.isoformat()}; the recovery cannot be confirmed "
                      "before then", rule="PAY-07", challenge_by=str(challenge_by))
