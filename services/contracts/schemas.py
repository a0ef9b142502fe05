"""Request and response bodies of the contracts service."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from kit.family_links import FamilyLinkExpiry, LinkRead
from kit.reports import FinanceTotals
from kit.schemas import Input, IsoDate, Read, Uuid
from services.contracts.domain.terms import CONTRACT_YEARS_MAX

Stream = Literal["education", "health", "social_care", "transport"]
Route = Literal["alternative_supplier", "combined_services", "pooled_purchase", "family_provision"]
LocalAuthority = Annotated[str, Field(pattern=r"^E\d{8}$", description="ONS code of the council")]
Percent = Annotated[int, Field(ge=0, le=100)]
FunderName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
EvidenceKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
# Evidence values are the kinds the routes ask for: text (also dates), yes/no, whole numbers, lists of names.
EvidenceValue = (Annotated[str, Field(max_length=2000)] | bool | int
                 | list[Annotated[str, Field(max_length=200)]])


class ReleaseTotalsRow(Read):
    """Releases from block contracts into one budget and stream (CON-04), and those given back since."""

    budget_id: str
    stream: str
    released_pence: int
    released_count: int
    returned_pence: int
    returned_count: int


class ReleaseTotals(FinanceTotals[ReleaseTotalsRow]):
    """Contracts' finance totals of one LA, for reconciliation with the budget ledger."""



class ContractCreate(Input):
    local_authority: LocalAuthority
    provider: str = Field(min_length=1, max_length=200)
    service: str = Field(min_length=1, max_length=200,
                         description="e.g. integrated therapies, CAMHS, short breaks, community equipment")
    stream: Stream = Field("social_care",
                           description="The budget stream its releases go to (default social_care)")
    annual_value_pence: int = Field(gt=0, le=10**12)
    contracted_units: int = Field(gt=0, le=10**9)
    unit: str = Field(min_length=1, max_length=40,
                      description="One unit, singular: hour, session, night, item")
    start_date: IsoDate
    end_date: IsoDate = Field(description=f"After start_date, and at most {CONTRACT_YEARS_MAX} years after it (CON-03)")
    renewal_date: IsoDate = Field(description="Between start_date and end_date: the contract is reviewed by then "
                                              "(CON-03)")
    max_release_percent: Percent = Field(description="CON-04: most of the units that may be released, %")
    fixed_cost_percent: Percent = Field(description="CON-08: share of the annual value that is fixed cost")
    min_retained_units: int | None = Field(None, ge=0,
                                           description="CON-04: least volume kept for other families")
    separable: bool = Field(True, description="CON-02: false when a child's share cannot be separated")
    inseparable_reason: str | None = Field(None, min_length=1, max_length=2000,
                                           description="CON-02: why not (required when separable is false)")
    funders: dict[FunderName, Percent] = Field(default_factory=lambda: {"council": 100},
                                               description="Co-funding shares in percent, adding up to 100")


class UnitPrice(Read):
    pence: int
    remainder_pence: int
    arithmetic: str


class PersonalBudgetUnitPrice(Read):
    total_pence: int
    marginal_pence: int
    fixed_share_pence: int
    arithmetic: str


class ReleaseState(Read):
    limit_units: int
    released_units: int
    available_units: int
    released_pence: int


class ContractRead(Read):
    id: str
    local_authority: str
    provider: str
    service: str
    stream: Stream
    annual_value_pence: int
    contracted_units: int
    unit: str
    start_date: date
    end_date: date
    renewal_date: date
    max_release_percent: int
    fixed_cost_percent: int
    min_retained_units: int | None
    separable: bool
    inseparable_reason: str | None
    funders: dict[str, int]
    block_unit_price_pence: int
    block_unit_price: UnitPrice
    personal_budget_unit_price: PersonalBudgetUnitPrice
    release: ReleaseState
    reviewed_for_renewal: date | None
    created_at: datetime


class TransferCreate(Input):
    budget_id: Uuid
    child_id: str = Field(min_length=1, max_length=64)
    units: int = Field(gt=0, le=10**7)
    route: Route
    proposed_unit_price_pence: int = Field(ge=0, le=10**9)
    evidence: dict[EvidenceKey, EvidenceValue | None] = Field(
        default_factory=dict, max_length=50, description="CON-06 a–d: the route's evidence keys")
    exceptional_reason: Text | None = Field(None, description="CON-05: recorded exceptional circumstances")


class ReasonRead(Read):
    rule: str
    message: str
    field: str | None = None


class TransferRead(Read):
    id: str
    contract_id: str
    local_authority: str
    budget_id: str
    child_id: str
    stream: Stream
    units: int
    route: Route
    proposed_unit_price_pence: int
    evidence: dict[str, EvidenceValue | None]
    exceptional_reason: str | None
    decision: Literal["approved", "declined", "evidence_required"]
    release_pence: int
    block_cost_pence: int
    proposed_cost_pence: int
    reasons: list[ReasonRead]
    missing_evidence: list[str]
    public_purse: dict[str, dict[str, int]]
    status: Literal["active", "withdrawn", "closed", "refused_by_budget"]
    requested_by: str
    created_at: datetime
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    refused_at: datetime | None = None
    refusal: dict | None = None


class WithdrawRequest(Input):
    reason: Text


class ReviewCreate(Input):
    reviewed_on: IsoDate
    outcome: Literal["renew", "vary", "recommission", "end"]
    flexibility_added: bool
    new_max_release_percent: Percent | None = None
    families_involved: bool = False
    notes: Text | None = None
    next_renewal_date: IsoDate | None = Field(None, description="Starts the next review cycle (CON-03): after the "
                                                                "current renewal date, not after the end date")
    new_end_date: IsoDate | None = Field(None, description="When the review extends or shortens the contract: after "
                                                           f"its start, at most {CONTRACT_YEARS_MAX} years after the "
                                                           "review")


class ReviewRead(Read):
    id: str
    contract_id: str
    reviewed_on: date
    for_renewal_on: date
    on_time: bool
    outcome: str
    flexibility_added: bool
    previous_max_release_percent: int
    new_max_release_percent: int | None
    families_involved: bool
    notes: str | None
    next_renewal_date: date | None
    new_end_date: date | None
    created_at: datetime


class ReviewDue(Read):
    contract_id: str
    local_authority: str
    provider: str
    service: str
    renewal_date: date
    days_to_renewal: int
    overdue: bool
    max_release_percent: int


class Summary(Read):
    contract_id: str
    text: str
    parts: dict[str, str]
    figures: dict[str, int]


class ServedChildRead(Read):
    """CON-10: a child a contract serves, through the provision lines of one budget that name the contract."""

    child_id: str
    budget_id: str
    local_authority: str
    budget_status: str | None = Field(description="open or agreed, as contracts last heard (null: not yet heard)")
    serving_since: datetime = Field(description="when the first line naming the contract reached contracts")
    provision_ids: list[str] = Field(description="the budget's provision lines that name the contract")
    links: dict[str, str] = Field(description="`summary`: the contract's family summary (CON-07); "
                                              "`child_summaries`: every contract serving the child")


class ServedChildrenPage(Read):
    items: list[ServedChildRead]
    next_cursor: str | None


class ContractForChildRead(Read):
    contract_id: str
    provider: str
    service: str
    local_authority: str
    summary: Summary = Field(description="the contract's plain-English family summary (CON-07)")


class ChildSummariesRead(Read):
    """CON-10: the family summaries of every contract serving a child."""

    child_id: str
    items: list[ContractForChildRead]


class UnmatchedLineRead(Read):
    """CON-10: a provision line naming no block contract of its LA (unknown, or another LA's)."""

    provision_id: str
    contract_id: str = Field(description="the id the line named")
    budget_id: str
    child_id: str
    local_authority: str
    stream: str
    category: str
    status: str
    reason: str
    added_at: datetime
    created_at: datetime


class UnmatchedLinesPage(Read):
    items: list[UnmatchedLineRead]
    next_cursor: str | None


class EvidenceRequestCreate(Input):
    due_on: IsoDate = Field(description="CON-09: today or later, at most a year ahead")
    what: Text = Field(description="What delivery evidence is asked for, e.g. timesheets of the hours provided")


class EvidenceCreate(Input):
    received_on: IsoDate = Field(description="Not in the future, nor before the evidence was asked for")
    description: Text = Field(description="What the family provided as evidence of delivery")


class ReviewNeeded(Read):
    rule: Literal["CON-09"] = "CON-09"
    reason: str


class EvidenceRequestRead(Read):
    id: str
    transfer_id: str
    local_authority: str
    child_id: str
    what: str
    due_on: date
    status: Literal["open", "evidenced", "review_due"]
    overdue: bool
    review: ReviewNeeded | None
    requested_by: str
    created_at: datetime
    received_on: date | None
    description: str | None
    evidenced_by: str | None
    evidenced_at: datetime | None


# ---------------------------------------------------------------- family links to summaries (issue 20)
class SummaryLinkCreate(FamilyLinkExpiry):
    """A signed link for the family of a child the contract serves (CON-10) to its plain-English summary (CON-07)."""

    child_id: str = Field(min_length=1, max_length=64, description="the child whose family receives the summary")


class SummaryLinkRead(LinkRead):
    """A family link to a contract's summary: give `url` to the family (by email, text or letter). Anyone holding it
    can open the summary until `expires_at`, so revoke it if it reaches someone else."""

    child_id: str
    document: Literal["contract_summary"]
    document_id: str = Field(description="the contract whose summary the link opens")
