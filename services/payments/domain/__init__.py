"""Pure rules of direct payments — no I/O, no web, database or validation library: schedules (PAY-03), agreements
and their payees (PAY-01, PAY-02, PAY-08, PAY-09), audits, surplus and recovery (PAY-05, PAY-06, PAY-07, PAY-10),
what a run pays (PAY-04) and its bank files. The names most callers need are here; each module says more."""
from services.payments.domain.agreements import (
    ACCOUNT_KINDS,
    AGREEMENT_TERMS,
    PAYEE_ROLES,
    STOP_REASONS,
    Account,
    Lifecycle,
    mask,
    terms,
)
from services.payments.domain.audits import (
    Surplus,
    deduction_plan,
    first_audit_due,
    next_audit_due,
    recoverable_part,
    recovery_reasons,
    surplus,
)
from services.payments.domain.errors import Invalid, NotNow, Refusal, Refused
from services.payments.domain.schedule import (
    INSTALMENTS_A_YEAR,
    Frequency,
    Instalment,
    add_months,
    due_dates,
    months_later,
    plan_schedule,
    plan_years,
    replan,
    split,
    year_amount,
)

__all__ = ["ACCOUNT_KINDS", "AGREEMENT_TERMS", "INSTALMENTS_A_YEAR", "PAYEE_ROLES", "STOP_REASONS", "Account",
           "Frequency", "Instalment", "Invalid", "Lifecycle", "NotNow", "Refusal", "Refused", "Surplus",
           "add_months", "deduction_plan", "due_dates", "first_audit_due", "mask", "months_later",
           "next_audit_due", "plan_schedule", "plan_years", "recoverable_part", "recovery_reasons", "replan",
           "split", "surplus", "terms", "year_amount"]
