"""Request and response bodies of /v1/payments. Response models are read from the attributes of what the use cases
return (``from_attributes``): rows, and rows with what a use case adds to them (``service.shown.Shown``)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field, model_validator

from kit.family_links import FamilyLinkExpiry, LinkRead
from kit.reports import FinanceTotals
from kit.schemas import Input, IsoDate, PlanDate, Read

LACode = Field(pattern=r"^E\d{8}$", description="ONS code of the local authority")
Stream = Literal["education", "health", "social_care", "transport"]
Frequency = Literal["four_weekly", "monthly"]
MAX_PENCE = 10_000_000_000  # £100m: far above any personal budget, well inside the BACS amount field


class PaymentTotalsRow(Read):
    """Direct-payment money of one budget and stream (null for an agreement opened without one)."""

    budget_id: str | None
    stream: str | None
    issued_pence: int
    issued_count: int
    returned_pence: int
    returned_count: int
    recovered_pence: int
    recovered_count: int
    repaid_pence: int
    repaid_count: int


class RunTotalsRow(Read):
    """A payment run as it recorded itself and as its bank file carries it (`run_date`/`status` null: unknown)."""

    run_id: str
    run_date: date | None
    status: str | None
    recorded_total_pence: int
    recorded_payments: int
    file_total_pence: int
    file_credits: int


class PaymentTotals(FinanceTotals[PaymentTotalsRow]):
    """Payments' finance totals of one LA, for reconciliation with the budget ledger."""

    runs: list[RunTotalsRow] = Field(description="one per payment run")


class AgreementCreate(Input):
    budget_id: str | None = Field(None, max_length=36)
    child_id: str = Field(min_length=1, max_length=64)
    local_authority: str = LACode
    stream: Stream | None = Field(None,
                                  description="The budget stream paid; may be left out when the budget has a "
                                              "single stream with a direct-payment share")
    annual_amount_pence: int = Field(gt=0, le=MAX_PENCE)
    frequency: Frequency = "four_weekly"
    start_date: PlanDate
    end_date: IsoDate
    purpose: str = Field("The direct-payment provision agreed in the plan.", min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _period(self) -> AgreementCreate:
        if self.end_date <= self.start_date:
            raise ValueError("end_date must be after start_date")
        return self


class Account(Input):
    kind: Literal["bank_account", "prepaid_card", "managed_account"]
    sort_code: str | None = Field(None, pattern=r"^\d{6}$", description="6 digits, no dashes")
    account_number: str | None = Field(None, pattern=r"^\d{8}$", description="8 digits")
    card_reference: str | None = Field(None, pattern=r"^[A-Za-z0-9-]{4,40}$")
    monthly_fee_pence: int | None = Field(None, ge=0, le=100_000,
                                          description="managed account fee; DEFAULT from "
                                                                             "the LA's settings (PAY-02)")


class PayeeSet(Input):
    role: Literal["parent", "young_person", "nominee", "representative"]
    name: str = Field(min_length=1, max_length=200)
    account: Account
    close_relative_same_household: bool = False
    exceptional_reason: str | None = Field(None, min_length=1, max_length=2000)


class Sign(Input):
    signed_on: IsoDate
    signed_by: str = Field(min_length=1, max_length=200)


class AmountChange(Input):
    annual_amount_pence: int = Field(ge=0, le=MAX_PENCE)
    effective_from: IsoDate | None = Field(None,
                                        description="instalments due on or after this date are re-planned; "
                                                          "default today (a reduction: no earlier than the day "
                                                          "after its reconsideration window)")
    reasons: str | None = Field(None, min_length=1, max_length=4000,
                                description="the written reasons; required for a reduction (BUD-10)")


class Reconsideration(Input):
    reason: str = Field(min_length=1, max_length=4000)


class ReconsiderationDecision(Input):
    outcome: Literal["upheld", "overturned"]
    reason: str = Field(min_length=1, max_length=4000)


class NoticeRead(Read):
    id: str
    agreement_id: str
    kind: str
    status: str
    reasons: list[dict]
    issued_on: date
    effective_from: date
    from_pence: int | None
    to_pence: int | None
    reconsider_by: date | None
    reconsideration_reason: str | None
    reconsideration_outcome: str | None
    source: str
    applied_at: datetime | None
    notice: str | None = Field(validation_alias="letter", description="the text of the letter")


class StatusChange(Input):
    reason: str = Field(min_length=1, max_length=2000)


class Stop(StatusChange):
    reason_code: Literal["consent_withdrawn", "recipient_ineligible", "not_used_for_agreed_provision",
                         "provision_cannot_be_secured", "harms_other_services"]


class PayeeRead(Read):
    role: str
    name: str
    account: dict = Field(description="`kind`, and the details that kind has, masked to their last 4 characters "
                                      "(PAY-02); a managed account's `monthly_fee_pence`")
    close_relative_same_household: bool
    exceptional: bool
    exceptional_reason: str | None


class AgreementRead(Read):
    id: str
    budget_id: str | None
    child_id: str
    local_authority: str
    stream: str | None
    annual_amount_pence: int
    frequency: str
    start_date: date
    end_date: date
    purpose: str
    terms: dict[str, str]
    status: str
    status_reason: str | None
    stop_reason: str | None
    opened_from: str
    signed_on: date | None
    signed_by: str | None
    payee: PayeeRead | None
    next_audit_due: date | None
    final_audit_due: bool
    created_at: datetime
    pay_before: date | None = None
    notice: NoticeRead | None = None


class InstalmentRead(Read):
    due_date: date
    amount_pence: int
    deducted_pence: int
    payable_pence: int
    basis: str
    paid: bool


class RunCreate(Input):
    local_authority: str = LACode
    run_date: IsoDate


class RunRead(Read):
    id: str
    local_authority: str
    run_date: date
    status: str
    payments_count: int
    total_pence: int
    progress: dict
    error: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None


class PaymentRead(Read):
    id: str
    run_id: str
    agreement_id: str
    due_date: date
    amount_pence: int
    status: str
    basis: str
    issued_on: date
    sort_code: str | None = Field(description="masked: the last 4 digits")
    account_number: str | None = Field(description="masked: the last 4 digits")
    return_reason: str | None


class LedgerEntryRead(Read):
    kind: str
    entry_date: date
    amount_pence: int
    debit_account: str
    credit_account: str
    payment_id: str | None
    recovery_id: str | None
    memo: str


class LedgerRead(Read):
    entries: list[LedgerEntryRead]
    paid_pence: int
    returned_pence: int
    recovered_pence: int
    net_paid_pence: int


class ReturnedItem(Input):
    payment_id: str = Field(min_length=1, max_length=36)
    reason: str = Field("returned unpaid by the bank", min_length=1, max_length=500)


class Returns(Input):
    items: list[ReturnedItem] = Field(min_length=1, max_length=10_000)


class ReturnsRead(Read):
    run_id: str
    returned: list[str]
    already_returned: list[str]
    returned_pence: int


class AuditCreate(Input):
    period_end: IsoDate
    balance_held_pence: int = Field(ge=0, le=MAX_PENCE)
    outstanding_commitments_pence: int = Field(ge=0, le=MAX_PENCE)
    reasons: list[str] = Field(default_factory=list, max_length=20, description="further written reasons")
    recovery_method: Literal["deduction", "invoice"] = "deduction"


class Challenge(Input):
    grounds: str = Field(min_length=1, max_length=4000)


class ChallengeDecision(Input):
    outcome: Literal["upheld", "rejected"]
    reason: str = Field(min_length=1, max_length=4000)


class Confirm(Input):
    method: Literal["deduction", "invoice"] | None = None


class AuditDueRead(Read):
    agreement_id: str
    child_id: str
    local_authority: str
    due_on: date
    overdue: bool
    kind: Literal["scheduled", "final"]
    status: str


class AuditRequested(Read):
    agreement_id: str
    next_audit_due: date | None


class RecoveryRead(Read):
    id: str
    agreement_id: str
    status: str
    amount_pence: int
    reasons: list[str]
    who_must_repay: str
    method: str
    notice_issued_on: date
    challenge_by: date
    repay_by: date
    challenge_grounds: str | None
    decision_reason: str | None
    deductions: list[dict] | None
    confirmed_at: datetime | None
    withdrawn_reason: str | None
    kind: Literal["surplus", "overpaid", "misused"] = Field(
        "surplus", description="PAY-06 surplus after an audit, or PAY-10 overpaid or misused money")
    evidence: list[dict] | None = Field(None, description="PAY-10: the evidence of misuse")
    plan: dict | None = Field(None, description="PAY-10: the agreed repayment plan's terms")
    repaid_pence: int = Field(0, description="PAY-10: repaid so far under the plan")


class AuditRead(Read):
    id: str
    agreement_id: str
    kind: str
    period_end: date
    audited_on: date
    balance_held_pence: int
    outstanding_commitments_pence: int
    contingency_pence: int
    surplus_pence: int
    basis: dict[str, str]
    supersedes: str | None
    superseded_by: str | None
    recovery: RecoveryRead | None


# ------------------------------------------------------------------ PAY-10: overpaid or misused money
class Evidence(Input):
    description: str = Field(min_length=1, max_length=2000)
    reference: str = Field(min_length=1, max_length=200, description="where the evidence is kept")


class RecoveryCreate(Input):
    """PAY-10: a recovery of money ``overpaid`` (paid after circumstances changed on ``changed_on``; the amount is
    derived from the payments made, less ``owed_pence`` still owed for that time) or ``misused`` (``amount_pence``
    found used for other purposes between ``period_start`` and ``period_end``, with ``evidence``)."""

    kind: Literal["overpaid", "misused"]
    reasons: str = Field(min_length=1, max_length=4000, description="what changed, or what the money was used for")
    changed_on: IsoDate | None = None
    owed_pence: int = Field(0, ge=0, le=MAX_PENCE)
    amount_pence: int | None = Field(None, ge=1, le=MAX_PENCE)
    period_start: IsoDate | None = None
    period_end: IsoDate | None = None
    audit_id: str | None = Field(None, max_length=36, description="the audit that found the misuse")
    evidence: list[Evidence] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _fields_of_kind(self) -> RecoveryCreate:
        need = ("changed_on",) if self.kind == "overpaid" else ("amount_pence", "period_start", "period_end")
        missing = [f for f in need if getattr(self, f) is None]
        if missing:
            raise ValueError(f"{self.kind} needs {', '.join(missing)}")
        return self


class PlanCreate(Input):
    """PAY-10: the affordable repayment plan: ``deduction`` from future instalments (``per_instalment_pence`` or
    ``per_instalment_percent`` of each, never below the floor) or ``invoice`` in ``instalments`` monthly invoices
    from ``first_due``."""

    method: Literal["deduction", "invoice"]
    per_instalment_pence: int | None = Field(None, ge=1, le=MAX_PENCE)
    per_instalment_percent: int | None = Field(None, ge=1, le=100)
    instalments: int | None = Field(None, ge=1, le=120)
    first_due: IsoDate | None = None


class RepaymentRead(Read):
    id: str
    recovery_id: str
    seq: int
    method: str
    due_date: date
    amount_pence: int
    status: str
    received_on: date | None
    payment_id: str | None


class RepaymentReceipt(Input):
    received_on: IsoDate | None = Field(None, description="the day the payment reached the LA (default today)")


class PlanRead(Read):
    """A PAY-10 recovery with its repayment plan: each part and whether it was received."""

    recovery: RecoveryRead
    repayments: list[RepaymentRead]


# ---------------------------------------------------------------- family links to recovery notices (issue 20)
class RecoveryLinkCreate(FamilyLinkExpiry):
    """A signed link for the family to the recovery notice (PAY-07, PAY-10), from which they can challenge it."""


class RecoveryLinkRead(LinkRead):
    """A family link to a recovery notice: give `url` to the family (by email, text or letter). Anyone holding it
    can open the notice and challenge it until `expires_at`, so revoke it if it reaches someone else."""

    agreement_id: str
    document: Literal["recovery_notice"]
    document_id: str = Field(description="the recovery notice the link opens")
    acted_at: datetime | None = Field(description="when the family challenged the notice from the link, if they did")


class FamilyChallengeRecorded(Read):
    """The family's challenge from their link (PAY-07), when the client asks for JSON: the recovery as it stands,
    and `again` when the link had challenged before (nothing new recorded)."""

    recovery_id: str
    status: str
    challenge_by: date
    again: bool
