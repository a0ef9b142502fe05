"""ORM tables of the payments service. Money is integer pence in BigInteger columns."""
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from kit.db import UTCDateTime, make_base
from kit.family_links import FamilyLinkColumns, FamilyLinkOpeningColumns
from services.payments.domain import agreements, notices, runs

Base = make_base()
LIVE = text("status <> 'returned'")
UNSETTLED = text("NOT settled")
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Agreement(Base):
    """A direct-payment agreement (PAY-01) with its payee (PAY-02, PAY-09) held inline. Bank details are sealed
    at rest (``services.payments.service.sealed``): the columns hold ``enc1:<key id>:...``, never the digits."""

    __tablename__ = "agreements"
    __table_args__ = (UniqueConstraint("budget_id", "stream"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_authority: Mapped[str] = mapped_column(String(9), index=True)
    budget_id: Mapped[str | None] = mapped_column(String(36))
    child_id: Mapped[str] = mapped_column(String(64), index=True)
    stream: Mapped[str | None] = mapped_column(String(20))
    annual_amount_pence: Mapped[int] = mapped_column(BigInteger)
    frequency: Mapped[str] = mapped_column(String(12))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    purpose: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    status_reason: Mapped[str | None] = mapped_column(Text)
    stop_reason: Mapped[str | None] = mapped_column(String(40))
    opened_from: Mapped[str] = mapped_column(String(10))
    signed_on: Mapped[date | None] = mapped_column(Date)
    signed_by: Mapped[str | None] = mapped_column(String(200))
    payee_role: Mapped[str | None] = mapped_column(String(20))
    payee_name: Mapped[str | None] = mapped_column(String(200))
    account_kind: Mapped[str | None] = mapped_column(String(20))
    sort_code: Mapped[str | None] = mapped_column(Text)  # sealed
    account_number: Mapped[str | None] = mapped_column(Text)  # sealed
    card_reference: Mapped[str | None] = mapped_column(Text)  # sealed
    monthly_fee_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    close_relative_same_household: Mapped[bool] = mapped_column(Boolean, default=False)
    exceptional_reason: Mapped[str | None] = mapped_column(Text)
    next_audit_due: Mapped[date | None] = mapped_column(Date)
    final_audit_due: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # PAY-08: a suspension or stop given with notice: instalments due on or after this date are not paid.
    pay_before: Mapped[date | None] = mapped_column(Date)

    @property
    def terms(self) -> dict[str, str]:
        """PAY-01: the terms signed, shown on every agreement."""
        return agreements.terms(self.purpose, self.annual_amount_pence, self.frequency)


class AgreedBudget(Base):
    """What payments knows of an agreed budget, from the budget service's events (budget.agreed.v1,
    budget.varied.v1, budget.closed.v1): agreements are opened only against it (BUD-06, PAY-01)."""

    __tablename__ = "agreed_budgets"

    budget_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_authority: Mapped[str] = mapped_column(String(9), index=True)
    child_id: Mapped[str] = mapped_column(String(64))
    plan_reference: Mapped[str | None] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))  # agreed | closed
    closed_on: Mapped[date | None] = mapped_column(Date)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)  # when the latest event applied here occurred


class AgreedStream(Base):
    """A stream of an agreed budget: its agreed amount and the direct-payment share the panel agreed (the annual
    cost of its direct-payment provision lines)."""

    __tablename__ = "agreed_streams"

    budget_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stream: Mapped[str] = mapped_column(String(20), primary_key=True)
    agreed_pence: Mapped[int] = mapped_column(BigInteger)
    direct_payment_pence: Mapped[int] = mapped_column(BigInteger)


class DirectPaymentDecision(Base):
    """The latest eligibility decision on direct payments for a child (ELIG-06, ELIG-07, ELIG-09), from
    eligibility.request_decided.v1: a refusal suspends the child's agreements (PAY-08)."""

    __tablename__ = "direct_payment_decisions"

    local_authority: Mapped[str] = mapped_column(String(9), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    decision_id: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    allowed: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list] = mapped_column(JSON)


class Notice(Base):
    """A written notice to the family about their agreement, with its reasons: a suspension or stop (PAY-08) or a
    change of amount (BUD-10: a reduction waits for its notice and allows one reconsideration)."""

    __tablename__ = "agreement_notices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agreement_id: Mapped[str] = mapped_column(String(36), index=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    kind: Mapped[str] = mapped_column(String(12))  # suspension | stop | reduction | increase
    status: Mapped[str] = mapped_column(String(30))  # issued | reconsideration_requested | effective | withdrawn
    reasons: Mapped[list] = mapped_column(JSON)  # [{rule, message}]
    issued_on: Mapped[date] = mapped_column(Date)
    effective_from: Mapped[date] = mapped_column(Date)
    from_pence: Mapped[int | None] = mapped_column(BigInteger)
    to_pence: Mapped[int | None] = mapped_column(BigInteger)
    reconsider_by: Mapped[date | None] = mapped_column(Date)
    reconsideration_reason: Mapped[str | None] = mapped_column(Text)
    reconsideration_outcome: Mapped[str | None] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(120))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def letter(self) -> str | None:
        """The text of the letter this notice is (PAY-08, BUD-10)."""
        return notices.letter(kind=self.kind, reasons=self.reasons, effective_from=self.effective_from,
                              from_pence=self.from_pence, to_pence=self.to_pence, reconsider_by=self.reconsider_by)


class ScheduledInstalment(Base):
    """One instalment of an agreement's schedule (PAY-03); ``deducted_pence`` is recovery taken from it
    (PAY-07)."""

    __tablename__ = "instalments"
    __table_args__ = (UniqueConstraint("agreement_id", "due_date"),
                      Index("ix_instalments_unsettled_due", "due_date", "id", postgresql_where=UNSETTLED,
                            sqlite_where=UNSETTLED))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agreement_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    deducted_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    basis: Mapped[str] = mapped_column(Text)
    # True once a live payment covers it (set by runs, cleared by bank returns). The partial index on
    # unsettled instalments keeps a run's search small; the unique index on payments stays the guarantee.
    settled: Mapped[bool] = mapped_column(Boolean, default=False)


class Payment(Base):
    """One payment of one instalment. PAY-04: at most one live (not returned) payment per (agreement, due
    date), enforced by a partial unique index, so no retry or concurrent run can pay an instalment twice."""

    __tablename__ = "payments"
    __table_args__ = (
        Index("uq_payments_live_instalment", "agreement_id", "due_date", unique=True,
              postgresql_where=LIVE, sqlite_where=LIVE),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(36), index=True)
    agreement_id: Mapped[str] = mapped_column(String(36), index=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    due_date: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))  # issued | returned | deducted (nothing left to pay)
    basis: Mapped[str] = mapped_column(Text)
    payee_name: Mapped[str] = mapped_column(String(200))
    # Where the money went, sealed as on the agreement: the payee's account, or for a prepaid card the card
    # provider's account with the card's reference (the BACS reference of the credit).
    sort_code: Mapped[str] = mapped_column(Text)  # sealed
    account_number: Mapped[str] = mapped_column(Text)  # sealed
    card_reference: Mapped[str | None] = mapped_column(Text)  # sealed
    reference: Mapped[str] = mapped_column(String(18))  # the payment's own reference, DP<agreement><due date>
    issued_on: Mapped[date] = mapped_column(Date)
    return_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LedgerEntry(Base):
    """An immutable movement of money (double entry: from one account to another); corrections are
    reversals."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agreement_id: Mapped[str] = mapped_column(String(36), index=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    kind: Mapped[str] = mapped_column(String(20))  # payment | return | recovery
    debit_account: Mapped[str] = mapped_column(String(60))
    credit_account: Mapped[str] = mapped_column(String(60))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    payment_id: Mapped[str | None] = mapped_column(String(36))
    recovery_id: Mapped[str | None] = mapped_column(String(36))
    memo: Mapped[str] = mapped_column(Text)
    entry_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_authority: Mapped[str] = mapped_column(String(9), index=True)
    run_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    due_count: Mapped[int] = mapped_column(Integer, default=0)
    settled_count: Mapped[int] = mapped_column(Integer, default=0)
    payments_count: Mapped[int] = mapped_column(Integer, default=0)
    total_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    requested_by: Mapped[str] = mapped_column(String(120))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who is carrying the run out, until when: renewed by each chunk, taken over by any replica once expired.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def progress(self) -> dict[str, int]:
        """How far the run got (PAY-04)."""
        return runs.progress(due_count=self.due_count, settled_count=self.settled_count,
                             completed=self.status == "completed")


CURRENT = text("superseded_by IS NULL")


class Audit(Base):
    """An audit of one period of an agreement (PAY-05, PAY-06). A later audit of the same period replaces it:
    the earlier one is kept, marked ``superseded_by``, so each period has one current audit and one open
    recovery at most."""

    __tablename__ = "audits"
    __table_args__ = (Index("uq_audits_current_period", "agreement_id", "period_end", unique=True,
                            postgresql_where=CURRENT, sqlite_where=CURRENT),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agreement_id: Mapped[str] = mapped_column(String(36), index=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    kind: Mapped[str] = mapped_column(String(12))  # scheduled | final
    period_end: Mapped[date] = mapped_column(Date)
    audited_on: Mapped[date] = mapped_column(Date)
    balance_held_pence: Mapped[int] = mapped_column(BigInteger)
    outstanding_commitments_pence: Mapped[int] = mapped_column(BigInteger)
    contingency_pence: Mapped[int] = mapped_column(BigInteger)
    surplus_pence: Mapped[int] = mapped_column(BigInteger)
    basis: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    supersedes: Mapped[str | None] = mapped_column(String(36))
    superseded_by: Mapped[str | None] = mapped_column(String(36))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Recovery(Base):
    """A recovery notice (PAY-07) and what became of it."""

    __tablename__ = "recoveries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agreement_id: Mapped[str] = mapped_column(String(36), index=True)
    audit_id: Mapped[str | None] = mapped_column(String(36))  # None: a PAY-10 overpayment found without an audit
    local_authority: Mapped[str] = mapped_column(String(9))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    reasons: Mapped[list] = mapped_column(JSON)
    who_must_repay: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(10))  # deduction | invoice
    status: Mapped[str] = mapped_column(String(20))
    notice_issued_on: Mapped[date] = mapped_column(Date)
    challenge_by: Mapped[date] = mapped_column(Date)
    repay_by: Mapped[date] = mapped_column(Date)
    challenge_grounds: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    deductions: Mapped[list | None] = mapped_column(JSON)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    # PAY-10: what is recovered (surplus after an audit, PAY-06; overpaid or misused money), the evidence of misuse,
    # the repayment plan's terms and what has come back under it so far.
    # (Server defaults only: the use cases creating a recovery set them, and rows written as of an earlier
    # revision keep working.)
    kind: Mapped[str] = mapped_column(String(10), server_default="surplus")
    evidence: Mapped[list | None] = mapped_column(JSON)
    plan: Mapped[dict | None] = mapped_column(JSON)
    repaid_pence: Mapped[int] = mapped_column(BigInteger, server_default="0")


class Repayment(Base):
    """One part of a PAY-10 repayment plan: a deduction from one instalment (``scheduled`` until the run that pays
    the instalment takes it, then ``received``) or one monthly invoice (``invoiced`` until its payment is received).
    Each received part is a ledger entry and a ``payments.repayment_received.v1`` the budget books."""

    __tablename__ = "repayments"
    __table_args__ = (UniqueConstraint("recovery_id", "seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    recovery_id: Mapped[str] = mapped_column(String(36), index=True)
    agreement_id: Mapped[str] = mapped_column(String(36), index=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    seq: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(10))  # deduction | invoice
    due_date: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    instalment_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    status: Mapped[str] = mapped_column(String(10))  # scheduled | invoiced | received
    received_on: Mapped[date | None] = mapped_column(Date)
    payment_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BankFileSubmission(Base):
    """The BACS file of a run as it was numbered: its processing day and serial, unique per LA and processing
    day (the UHL1 file number and the VOL1/HDR1 serials), fixed the first time the file is made so a second
    download of the run's file is the same file."""

    __tablename__ = "bank_file_submissions"
    __table_args__ = (UniqueConstraint("local_authority", "processing_day", "serial"),)

    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    processing_day: Mapped[date] = mapped_column(Date)
    serial: Mapped[int] = mapped_column(Integer)
    service_user_number: Mapped[str] = mapped_column(String(6))
    created_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FamilyLink(FamilyLinkColumns, Base):
    """A signed link that lets the family of one agreement open one recovery notice (``document_id``) without an
    account, and challenge it (PAY-07; issue 20). The token is not stored (``kit/family_links.py``)."""

    __tablename__ = "family_links"
    agreement_id: Mapped[str] = mapped_column(String(36), index=True)


class FamilyLinkOpening(FamilyLinkOpeningColumns, Base):
    __tablename__ = "family_link_openings"
    __table_args__ = (Index("ix_family_link_openings_link_id", "link_id", "opened_at"),)
