"""ORM tables of the budget service. Money columns are BigInteger pence; balances live only in
``ledger_entries``."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kit.db import UTCDateTime, make_base
from kit.family_links import FamilyLinkColumns, FamilyLinkOpeningColumns
from services.budget.domain import disputes
from services.budget.domain.budget import reduction_notice

Base = make_base()
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Child(Base):
    """What the budget service knows of a CYP from other services' events; also the per-CYP lock row that
    serialises opening a budget and applying health funding (BUD-01, BUD-07)."""

    __tablename__ = "children"
    local_authority: Mapped[str] = mapped_column(String(9), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    eligibility_request_id: Mapped[str | None] = mapped_column(String(36))
    eligibility_status: Mapped[str | None] = mapped_column(String(20))
    eligible_streams: Mapped[list | None] = mapped_column(JSON)
    # The decision as eligibility.request_decided.v1 gave it: {"streams": {stream: {eligible, reasons}},
    # "arrangements": {arrangement: {allowed, reasons}}}; provision lines are checked against it.
    eligibility: Mapped[dict | None] = mapped_column(JSON)
    eligibility_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_on: Mapped[date | None] = mapped_column(Date)
    ras_assessment_id: Mapped[str | None] = mapped_column(String(36))
    ras_indicative: Mapped[dict | None] = mapped_column(JSON)
    ras_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Budget(Base):
    __tablename__ = "budgets"
    __table_args__ = (UniqueConstraint("local_authority", "child_id", "period_start"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_authority: Mapped[str] = mapped_column(String(9), index=True)
    child_id: Mapped[str] = mapped_column(String(64), index=True)
    plan_reference: Mapped[str] = mapped_column(String(80))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    opened_from: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_review_due: Mapped[date | None] = mapped_column(Date, index=True)
    # Why the next review falls due when it does (BUD-09); None: as agreement or the last review set it.
    next_review_kind: Mapped[str | None] = mapped_column(String(30))
    next_review_reason: Mapped[str | None] = mapped_column(Text)


class Provision(Base):
    __tablename__ = "provisions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    budget_id: Mapped[str] = mapped_column(ForeignKey("budgets.id"), index=True)
    description: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(500))
    stream: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(60))
    annual_cost_pence: Mapped[int] = mapped_column(BigInteger)
    arrangement: Mapped[str] = mapped_column(String(20))
    on_setting_premises: Mapped[bool] = mapped_column(Boolean)
    setting_agreement: Mapped[bool] = mapped_column(Boolean)
    contract_id: Mapped[str | None] = mapped_column(String(36))
    funding_source: Mapped[str | None] = mapped_column(String(30))  # BUD-04
    head_agreement: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PanelDecision(Base):
    """Append-only: the latest decision per stream counts."""

    __tablename__ = "panel_decisions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    budget_id: Mapped[str] = mapped_column(ForeignKey("budgets.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    stream: Mapped[str] = mapped_column(String(20))
    requested: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(20))
    agreed_pence: Mapped[int] = mapped_column(BigInteger)
    extra_pence: Mapped[int] = mapped_column(BigInteger)
    authority: Mapped[str] = mapped_column(String(20))
    limit_pence: Mapped[int] = mapped_column(BigInteger)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def rule(self) -> str | None:
        """BUD-06 names an escalated decision: an approval above the decider's delegated authority."""
        return "BUD-06" if self.decision == "escalated" else None

    @property
    def next_step(self) -> disputes.NextStep:
        """BUD-13: what the family may do after this decision."""
        return disputes.after_panel_decision(self.decision)


class LedgerTransaction(Base):
    __tablename__ = "ledger_transactions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    budget_id: Mapped[str] = mapped_column(ForeignKey("budgets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    memo: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(120), unique=True)
    reverses_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LedgerEntry(Base):
    """Immutable; debit positive, credit negative; the entries of one transaction sum to zero (BUD-08)."""

    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    budget_id: Mapped[str] = mapped_column(String(36), index=True)
    stream: Mapped[str] = mapped_column(String(20))
    account: Mapped[str] = mapped_column(String(20))
    amount_pence: Mapped[int] = mapped_column(BigInteger)


class HealthFundingEvent(Base):
    """Every ICB health-funding event received, once per ICB ``event_id`` whichever channel brought it
    (BUD-07)."""

    __tablename__ = "health_funding_events"
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    child_id: Mapped[str] = mapped_column(String(64), index=True)
    annual_amount_pence: Mapped[int] = mapped_column(BigInteger)
    effective_from: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12))  # held | applied | superseded
    budget_id: Mapped[str | None] = mapped_column(String(36), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Variation(Base):
    __tablename__ = "variations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    budget_id: Mapped[str] = mapped_column(ForeignKey("budgets.id"), index=True)
    stream: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))  # increase | reduction
    from_pence: Mapped[int] = mapped_column(BigInteger)
    to_pence: Mapped[int] = mapped_column(BigInteger)
    reasons: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(30))
    notice_issued_on: Mapped[date] = mapped_column(Date)
    reconsider_by: Mapped[date | None] = mapped_column(Date)
    reconsideration_reason: Mapped[str | None] = mapped_column(Text)
    reconsideration_outcome: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def notice(self) -> str | None:
        """BUD-10: the written notice of a reduction, as the family reads it (None for an increase)."""
        if self.kind != "reduction":
            return None
        return reduction_notice(self.stream, self.from_pence, self.to_pence, self.reasons, self.reconsider_by)

    @property
    def rule(self) -> str | None:
        return "BUD-10" if self.kind == "reduction" else None

    @property
    def next_step(self) -> disputes.NextStep:
        """BUD-13: what the family may do after this variation (BUD-10: a reduction's one reconsideration first)."""
        return disputes.after_variation(self.kind, self.status, self.reconsider_by, self.reconsideration_outcome)


class Review(Base):
    __tablename__ = "reviews"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    budget_id: Mapped[str] = mapped_column(ForeignKey("budgets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # first | annual | requested | circumstances_changed
    reviewed_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # BUD-14 (a review held): progress per outcome, [{outcome, progress, note}], and the child's or young person's
    # own views and who gave them. None/[] for reviews recorded without them (before BUD-14, or not given).
    progress: Mapped[list | None] = mapped_column(JSON)
    views_text: Mapped[str | None] = mapped_column(Text)
    views_given_by: Mapped[str | None] = mapped_column(String(30))

    @property
    def views(self) -> dict | None:
        return None if self.views_text is None else {"text": self.views_text, "given_by": self.views_given_by}


class Insufficiency(Base):
    """BUD-05: a stream of an agreed budget whose agreed amount fell below the cost of its agreed provision (an ICB
    cut to the health stream). Open while ``cleared_at`` is None; cleared, never deleted, when funding or a
    variation covers the provision again. At most one open per budget and stream (the budget's lock serialises)."""

    __tablename__ = "insufficiencies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    budget_id: Mapped[str] = mapped_column(ForeignKey("budgets.id"), index=True)
    stream: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(10))
    agreed_pence: Mapped[int] = mapped_column(BigInteger)  # the latest short amount while open
    provision_cost_pence: Mapped[int] = mapped_column(BigInteger)
    message: Mapped[str] = mapped_column(Text)
    since: Mapped[date] = mapped_column(Date)  # the effective date of the change that made it short
    icb_event_id: Mapped[str | None] = mapped_column(String(64))  # the latest ICB event that left it short
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cleared_on: Mapped[date | None] = mapped_column(Date)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_by: Mapped[str | None] = mapped_column(String(120))  # icb:<event id> | variation:<id>

    @property
    def shortfall_pence(self) -> int:
        return self.provision_cost_pence - self.agreed_pence


class AuditEntry(Base):
    """Append-only (the database refuses UPDATE and DELETE): who read or changed a child's budget, through
    which route, in which request, and when. Written in the request's own transaction (``kit.audit``)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_budget_id", "budget_id", "occurred_at", "id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    budget_id: Mapped[str] = mapped_column(String(36))
    local_authority: Mapped[str] = mapped_column(String(9))
    child_id: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))  # read | change
    action: Mapped[str] = mapped_column(String(80))
    route: Mapped[str] = mapped_column(String(200))
    request_id: Mapped[str | None] = mapped_column(String(128))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Dispute(Base):
    """BUD-13: a family's dispute of a budget's amount or contents, and the decision it disputes (a variation or a
    panel decision, where it names one). Its steps are ``dispute_steps``; its status is the domain's
    (``domain.disputes.status``), kept here for lists."""

    __tablename__ = "disputes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    budget_id: Mapped[str] = mapped_column(ForeignKey("budgets.id"), index=True)
    subject: Mapped[str] = mapped_column(String(20))  # amount | contents
    details: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(String(200))
    variation_id: Mapped[str | None] = mapped_column(String(36))
    panel_decision_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20))  # open | decided | resolved | concluded
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DisputeStep(Base):
    """BUD-13: one step of a dispute (reconsideration, panel, complaint, Ombudsman), in order (``seq``), with its
    dates, outcome and reasons, who decided, and the variation or panel decision that made an upheld change."""

    __tablename__ = "dispute_steps"
    __table_args__ = (UniqueConstraint("dispute_id", "seq"), UniqueConstraint("dispute_id", "step"))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dispute_id: Mapped[str] = mapped_column(ForeignKey("disputes.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(20))
    opened_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)  # why the family took this step
    opened_by: Mapped[str] = mapped_column(String(120))
    decided_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(20))  # upheld | not_upheld | partly_upheld
    reasons: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[str | None] = mapped_column(String(120))
    variation_id: Mapped[str | None] = mapped_column(String(36))
    panel_decision_id: Mapped[str | None] = mapped_column(String(36))


class FamilyLink(FamilyLinkColumns, Base):
    """A signed link that lets one family open one document of one budget without an account (issue 20): the
    statement, or a decision notice (``document_id``: the variation or panel decision). The token is not stored: it
    is signed from these fields (``kit/family_links.py``), so a copy of the table cannot open anything."""

    __tablename__ = "family_links"
    budget_id: Mapped[str] = mapped_column(ForeignKey("budgets.id"), index=True)


class FamilyLinkOpening(FamilyLinkOpeningColumns, Base):
    __tablename__ = "family_link_openings"
    __table_args__ = (Index("ix_family_link_openings_link_id", "link_id", "opened_at"),)


class Handover(Base):
    """ELIG-14: adult social care was told that a young person turns 18 (``eligibility.adulthood_approaching.v1``)
    and the budget service prepared the handover of the child's budgets: one row per child of an LA, naming the
    budgets it found open then, or ``no_budget`` (recorded, not dead-lettered: a business outcome). The summary itself
    is built when read (``GET /v1/budgets/{id}/handover``), so it is never staler than the budget."""

    __tablename__ = "handovers"
    __table_args__ = (UniqueConstraint("local_authority", "child_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    child_id: Mapped[str] = mapped_column(String(64))
    turns_18_on: Mapped[date] = mapped_column(Date)
    care_leaver: Mapped[bool] = mapped_column(Boolean)
    eligibility_summary: Mapped[str] = mapped_column(Text)  # the eligibility's part, as the event gave it
    event_id: Mapped[str] = mapped_column(String(36))
    outcome: Mapped[str] = mapped_column(String(20))  # prepared | no_budget
    budget_ids: Mapped[list] = mapped_column(JSON)
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime)
