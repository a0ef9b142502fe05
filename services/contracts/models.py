"""ORM tables of the contracts service."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kit.db import UTCDateTime, make_base
from kit.family_links import FamilyLinkColumns, FamilyLinkOpeningColumns
from services.contracts.domain import pricing

Base = make_base()


class Contract(Base):
    """A block contract (CON-01) and how much of it has been released into personal budgets so far (CON-04).
    ``released_units``/``released_pence`` change only under a lock on this row."""

    __tablename__ = "contracts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    provider: Mapped[str] = mapped_column(String(200))
    service: Mapped[str] = mapped_column(String(200))
    stream: Mapped[str] = mapped_column(String(20))
    annual_value_pence: Mapped[int] = mapped_column(BigInteger)
    contracted_units: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    renewal_date: Mapped[date] = mapped_column(Date)
    max_release_percent: Mapped[int] = mapped_column(Integer)
    fixed_cost_percent: Mapped[int] = mapped_column(Integer)
    min_retained_units: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    separable: Mapped[bool] = mapped_column(Boolean)
    inseparable_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    funders: Mapped[dict] = mapped_column(JSON)
    released_units: Mapped[int] = mapped_column(BigInteger)
    released_pence: Mapped[int] = mapped_column(BigInteger)
    reviewed_for_renewal: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_contracts_la_created", "local_authority", "created_at", "id"),
        Index("ix_contracts_la_renewal", "local_authority", "renewal_date"),
    )

    # Worked out by the domain from the row, never stored: what ContractRead shows (from attributes).
    @property
    def block_unit_price(self) -> pricing.BlockUnitPrice:
        """CON-01: annual value ÷ contracted units, rounded down, the remainder stated."""
        return pricing.block_unit_price(annual_value_pence=self.annual_value_pence,
                                        contracted_units=self.contracted_units, unit=self.unit)

    @property
    def block_unit_price_pence(self) -> int:
        return self.block_unit_price.pence

    @property
    def personal_budget_unit_price(self) -> pricing.PersonalBudgetPrice:
        """CON-08: the personal-budget price of one unit, marginal part plus a fair share of fixed costs."""
        return pricing.personal_budget_price(annual_value_pence=self.annual_value_pence,
                                             contracted_units=self.contracted_units,
                                             fixed_cost_percent=self.fixed_cost_percent, units=1, unit=self.unit)

    @property
    def release(self) -> pricing.ReleaseState:
        """CON-04: the release limit, what is released so far, and what is still available."""
        return pricing.release_state(contracted_units=self.contracted_units,
                                     max_release_percent=self.max_release_percent,
                                     min_retained_units=self.min_retained_units,
                                     released_units=self.released_units, released_pence=self.released_pence)


class TransferRequest(Base):
    """One request to move part of a contract into a child's personal budget and its decision (immutable),
    plus whether an approved release is still ``active`` or was ``withdrawn`` (units returned to the
    contract)."""

    __tablename__ = "transfer_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"))
    local_authority: Mapped[str] = mapped_column(String(9))
    budget_id: Mapped[str] = mapped_column(String(36))
    child_id: Mapped[str] = mapped_column(String(64))
    stream: Mapped[str] = mapped_column(String(20))
    units: Mapped[int] = mapped_column(BigInteger)
    route: Mapped[str] = mapped_column(String(40))
    proposed_unit_price_pence: Mapped[int] = mapped_column(BigInteger)
    evidence: Mapped[dict] = mapped_column(JSON)
    exceptional_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decision: Mapped[str] = mapped_column(String(20))
    release_pence: Mapped[int] = mapped_column(BigInteger)
    block_cost_pence: Mapped[int] = mapped_column(BigInteger)
    proposed_cost_pence: Mapped[int] = mapped_column(BigInteger)
    reasons: Mapped[list] = mapped_column(JSON)
    missing_evidence: Mapped[list] = mapped_column(JSON)
    public_purse: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))  # active | withdrawn | closed (not approved)
    requested_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The budget refused the release after it was approved (it closed in between): the units came back.
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    refusal: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # {rule, reason}

    __table_args__ = (
        Index("ix_transfer_requests_contract_created", "contract_id", "created_at", "id"),
        Index("ix_transfer_requests_child", "local_authority", "child_id"),
    )


class KnownBudget(Base):
    """What contracts knows of a budget, from the budget service's events (budget.opened.v1, budget.agreed.v1,
    budget.closed.v1): a transfer is released only into a budget of the same LA and child that has not closed."""

    __tablename__ = "known_budgets"

    budget_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    child_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))  # open | agreed | closed
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_known_budgets_child", "child_id", "local_authority"),)  # CON-10: a child's summaries


class ContractReview(Base):
    """CON-03: a review of a contract at or before renewal, and the flexibility it added."""

    __tablename__ = "contract_reviews"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"), index=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    reviewed_on: Mapped[date] = mapped_column(Date)
    for_renewal_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(20))
    flexibility_added: Mapped[bool] = mapped_column(Boolean)
    previous_max_release_percent: Mapped[int] = mapped_column(Integer)
    new_max_release_percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    families_involved: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_renewal_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    new_end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def on_time(self) -> bool:
        """CON-03: reviewed at or before the renewal it was for."""
        return self.reviewed_on <= self.for_renewal_on


class EvidenceRequest(Base):
    """CON-09: the LA asked for evidence that a family-provided service (CON-06d) was delivered, by ``due_on``,
    and what was received. Not evidenced by then is due a review (worked out from the date, never stored as a
    clawback): the transfer and its money are untouched."""

    __tablename__ = "evidence_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    transfer_id: Mapped[str] = mapped_column(ForeignKey("transfer_requests.id"))
    local_authority: Mapped[str] = mapped_column(String(9))
    child_id: Mapped[str] = mapped_column(String(64))
    what: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # open | evidenced (review_due is open and past due_on)
    requested_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    evidence_description: Mapped[str | None] = mapped_column(Text, nullable=True)
    evidenced_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    evidenced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_evidence_requests_transfer", "transfer_id", "created_at", "id"),
        Index("ix_evidence_requests_la_status_due", "local_authority", "status", "due_on"),
    )


class ProvisionLink(Base):
    """CON-10: a provision line of a child's budget that names a block contract (from budget.provision_added.v1),
    and whether it names a contract of the line's LA (``matched``) or not (``unmatched``, with the reason). One row
    per line: a redelivered event changes nothing."""

    __tablename__ = "provision_links"

    provision_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    contract_id: Mapped[str] = mapped_column(String(36))
    budget_id: Mapped[str] = mapped_column(String(36))
    child_id: Mapped[str] = mapped_column(String(64))
    local_authority: Mapped[str] = mapped_column(String(9))
    stream: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10))  # matched | unmatched
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when contracts recorded it

    __table_args__ = (
        Index("ix_provision_links_la_status", "local_authority", "status", "created_at", "provision_id"),
        Index("ix_provision_links_contract_budget", "contract_id", "budget_id"),
    )


class ServedChild(Base):
    """CON-10: a child a block contract serves, through the provision lines of one budget (matched lines only);
    ``created_at`` is when the first of them arrived."""

    __tablename__ = "served_children"

    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"), primary_key=True)
    budget_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(64))
    local_authority: Mapped[str] = mapped_column(String(9))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_served_children_contract", "contract_id", "created_at", "budget_id"),
        Index("ix_served_children_child", "child_id", "local_authority"),
    )


class FamilyLink(FamilyLinkColumns, Base):
    """A signed link that lets the family of one child open the plain-English summary of one block contract that
    serves them (``document_id``: the contract; CON-07, CON-10) without an account (issue 20). The token is not
    stored (``kit/family_links.py``)."""

    __tablename__ = "family_links"
    child_id: Mapped[str] = mapped_column(String(64), index=True)


class FamilyLinkOpening(FamilyLinkOpeningColumns, Base):
    __tablename__ = "family_link_openings"
    __table_args__ = (Index("ix_family_link_openings_link_id", "link_id", "opened_at"),)
