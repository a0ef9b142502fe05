"""Agreements (PAY-01): their signed terms, their payee and account (PAY-02, PAY-09), and the moves of their
status — sign, suspend, resume, stop (PAY-01, PAY-08) — each refusing an illegal move with the rule it breaks.
Pure: the service reads a ``Lifecycle`` from the agreement, asks it for the next one and writes that back."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from kit.money import pounds
from services.payments.domain.audits import first_audit_due, next_audit_due
from services.payments.domain.errors import Invalid, NotNow, Refused

PAYEE_ROLES = ("parent", "young_person", "nominee", "representative")  # PAY-02
ACCOUNT_KINDS = ("bank_account", "prepaid_card", "managed_account")  # PAY-02
# PAY-08: the reasons direct payments stop.
STOP_REASONS = ("consent_withdrawn", "recipient_ineligible", "not_used_for_agreed_provision",
                "provision_cannot_be_secured", "harms_other_services",
                "budget_closed")  # the last is set by payments itself when the budget closes

# PAY-01: what the family signs. Shown on every agreement so the signed terms are on record.
AGREEMENT_TERMS = {
    "conditions": ("The money is spent only on the provision agreed in the plan, from a dedicated account "
                   "or card."),
    "monitoring": ("An audit within 3 months of signing, then at least every year, and whenever asked "
                   "(PAY-05)."),
    "recovery_rights": ("Only a surplus above commitments and a contingency may be recovered, after written "
                        "notice with reasons and a chance to challenge (PAY-06, PAY-07)."),
}


def terms(purpose: str, annual_pence: int, frequency: str) -> dict[str, str]:
    """PAY-01: the terms of the agreement as signed: purpose, amount, frequency, conditions, monitoring, recovery."""
    return {"purpose": purpose, "amount": f"{pounds(annual_pence)} a year", "frequency": frequency.replace("_", "-"),
            **AGREEMENT_TERMS}


# ------------------------------------------------------------------ payees (PAY-02, PAY-09)
@dataclass(frozen=True)
class Account:
    """What the payee is paid into (PAY-02), in the clear: the service seals the details before storing them."""

    kind: str
    sort_code: str | None = None
    account_number: str | None = None
    card_reference: str | None = None
    monthly_fee_pence: int = 0


def _required(value: str | None, field: str, kind: str) -> str:
    if not value:
        raise Invalid(f"account.{field}", f"required for a {kind.replace('_', ' ')}", rule="PAY-02")
    return value


def account(kind: str, *, sort_code: str | None, account_number: str | None, card_reference: str | None,
            fee_pence: int | None, default_fee_pence: int) -> Account:
    """PAY-02: a bank or managed account needs its sort code and number, a prepaid card its reference; a managed
    account carries a monthly fee (the LA's DEFAULT unless one is given)."""
    if kind == "prepaid_card":
        return Account(kind, card_reference=_required(card_reference, "card_reference", kind))
    found = Account(kind, _required(sort_code, "sort_code", kind), _required(account_number, "account_number", kind))
    if kind == "managed_account":
        return replace(found, monthly_fee_pence=fee_pence if fee_pence is not None else default_fee_pence)
    return found


def exceptional_reason(close_relative_same_household: bool, reason: str | None) -> str | None:
    """PAY-09: paying a close relative in the same household is exceptional and needs a recorded reason (kept only
    for such a payee)."""
    if close_relative_same_household and not reason:
        raise Invalid("exceptional_reason", "paying a close relative in the same household is exceptional and needs "
                      "a recorded reason", rule="PAY-09")
    return reason if close_relative_same_household else None


def mask(digits: str | None) -> str | None:
    """Bank details are never returned in full: all but the last 4 digits are masked."""
    if not digits:
        return digits
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def shown_account(kind: str, *, sort_code: str | None, account_number: str | None, card_reference: str | None,
                  monthly_fee_pence: int) -> dict:
    """The account as callers see it (PAY-02): the details its kind has, masked; a managed account's fee."""
    if kind == "prepaid_card":
        return {"kind": kind, "card_reference": mask(card_reference)}
    shown = {"kind": kind, "sort_code": mask(sort_code), "account_number": mask(account_number)}
    return shown | {"monthly_fee_pence": monthly_fee_pence} if kind == "managed_account" else shown


# ------------------------------------------------------------------ the agreement's status (PAY-01, PAY-05, PAY-08)
@dataclass(frozen=True)
class Lifecycle:
    """The part of an agreement its status moves change. Each move returns the next lifecycle, or refuses with
    the rule it breaks; ``today`` comes in as an argument."""

    status: str
    status_reason: str | None = None
    stop_reason: str | None = None
    signed_on: date | None = None
    signed_by: str | None = None
    next_audit_due: date | None = None
    final_audit_due: bool = False

    def changeable(self) -> None:
        """PAY-08: once stopped, nothing about the payments changes (payee, amount)."""
        if self.status == "stopped":
            raise Refused("direct payments under this agreement have stopped", rule="PAY-08")

    def sign(self, *, on: date, by: str, payee_named: bool, today: date) -> Lifecycle:
        """PAY-01: the signed agreement makes it active (and payable); PAY-02: it names its payee first; PAY-05: the
        first audit falls due within 3 months."""
        if self.status != "awaiting_signature":
            raise NotNow(f"agreement is {self.status}, not awaiting signature")
        if not payee_named:
            raise Refused("the agreement must name its payee and account before it is signed", rule="PAY-02",
                          errors=[{"field": "payee", "message": "set with PUT .../payee first"}])
        if on > today:
            raise Invalid("signed_on", "cannot be in the future")
        return replace(self, status="active", signed_on=on, signed_by=by, next_audit_due=first_audit_due(on))

    def suspend(self, reason: str) -> Lifecycle:
        """PAY-08: a suspended agreement is not paid by runs until it is resumed."""
        if self.status != "active":
            raise NotNow(f"only an active agreement can be suspended; this one is {self.status}")
        return replace(self, status="suspended", status_reason=reason)

    def resume(self, reason: str) -> Lifecycle:
        if self.status != "suspended":
            raise NotNow(f"only a suspended agreement can be resumed; this one is {self.status}")
        return replace(self, status="active", status_reason=reason)

    def stop(self, *, reason_code: str, reason: str, today: date) -> Lifecycle:
        """PAY-08: stopping is recorded with its reasons and followed by a final audit, due at once (an agreement
        never signed paid nothing, and has no audit)."""
        if self.status == "stopped":
            raise NotNow("agreement has already stopped")
        stopped = replace(self, status="stopped", stop_reason=reason_code, status_reason=reason)
        if self.signed_on is None:
            return replace(stopped, next_audit_due=None)
        return replace(stopped, next_audit_due=today, final_audit_due=True)

    def auditable(self) -> None:
        if self.signed_on is None:
            raise NotNow("an agreement that was never signed has paid nothing to audit")

    def audited(self, today: date) -> Lifecycle:
        """PAY-05: the next audit a year after this one; after the final audit of a stopped agreement, none."""
        if self.status == "stopped":
            return replace(self, next_audit_due=None, final_audit_due=False)
        return replace(self, next_audit_due=next_audit_due(today))

    def audit_requested(self, today: date) -> Lifecycle:
        """PAY-05: an audit on request falls due at once (an earlier due date stays)."""
        self.auditable()
        if self.next_audit_due is not None and self.next_audit_due <= today:
            return self
        return replace(self, next_audit_due=today)


def refusal_to_pay(*, allowed: bool | None, reasons: list[dict], budget_closed_on: date | None,
                   budget_closed: bool) -> None:
    """PAY-08: an agreement is signed or resumed only while the child's latest eligibility decision allows direct
    payment (ELIG-06, ELIG-07, ELIG-09) and its budget has not closed."""
    if allowed is False:
        rules = [r.get("rule") for r in reasons if r.get("rule")] or ["PAY-08"]
        raise Refused("direct payment is refused for this child by their latest eligibility decision: "
                      + "; ".join(f"{r.get('rule')}: {r.get('message')}" for r in reasons),
                      rule=rules[0], refusals=reasons)
    if budget_closed:
        raise Refused(f"the budget closed on {budget_closed_on}: nothing more is paid from it", rule="PAY-08")
