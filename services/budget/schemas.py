"""Request bodies and response models of the budget API. Responses are read from attributes (the ORM rows, or the
typed objects the use cases return), never assembled by hand; their JSON is what the API has always answered."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AliasPath, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from kit.family_links import FamilyLinkExpiry, LinkRead
from kit.pagination import Page
from kit.reports import FinanceTotals
from kit.schemas import Input, IsoDate, PlanDate, Read, up_to, within_years
from services.budget.domain import categories, outcomes

Stream = Literal["education", "health", "social_care", "transport"]
Arrangement = Literal["direct_payment", "third_party", "notional"]
LaCode = Field(pattern=r"^[EWSN]\d{8}$", description="ONS code of the local authority, e.g. E06000060")
Pence = Field(ge=0, le=10_000_000_000, description="integer pence")


PLAN_YEARS_MAX = 3  # a plan period longer than this is a slip: an EHCP is reviewed at least every 12 months (BUD-09)
HEALTH_HORIZON_DAYS = 730  # BUD-07: an ICB change is announced at most two years ahead
HELD = up_to(1, "a review is recorded once it has been held")
ASKED = up_to(31, "a request is recorded when it is made, or for a date at most a month ahead")
EFFECTIVE = up_to(HEALTH_HORIZON_DAYS, "an ICB change is announced at most two years ahead, and a later date would "
                  "outrank every real change in between (BUD-07)")


class BudgetCreate(Input):
    child_id: str = Field(min_length=1, max_length=64)
    local_authority: str = LaCode
    plan_reference: str = Field(min_length=1, max_length=80)
    period_start: PlanDate
    period_end: IsoDate = Field(description=f"On or after period_start and at most {PLAN_YEARS_MAX} years after it")
    indicative_pence: dict[Stream, int] | None = Field(
        None, description="per stream; omitted: taken from the CYP's latest RAS result")

    @field_validator("period_end")
    @classmethod
    def _period(cls, v: date, info: ValidationInfo) -> date:
        start = info.data.get("period_start")
        if start is not None and v < start:
            raise ValueError("the plan period ends before it starts")
        if start is not None and not within_years(v, start, PLAN_YEARS_MAX):
            raise ValueError(f"a plan period is at most {PLAN_YEARS_MAX} years long (BUD-09: plans are reviewed at "
                             "least every 12 months)")
        return v

    @field_validator("indicative_pence")
    @classmethod
    def _amounts(cls, v: dict[str, int] | None) -> dict[str, int] | None:
        if v is not None and any(a < 0 or a > 10_000_000_000 for a in v.values()):
            raise ValueError("amounts are integer pence between 0 and 10,000,000,000")
        return v


class ProvisionCreate(Input):
    description: str = Field(min_length=1, max_length=500)
    outcome: str = Field(max_length=500, description="the EHCP outcome this provision serves (BUD-02)")
    stream: Stream
    # A validated string, not an enum: a placement under any name is a BUD-03 refusal (409 naming the rule), which a
    # schema enum would turn into a bare validation error; any other unknown name is a 422 listing the valid ones.
    category: str = Field(
        min_length=1,
        max_length=60,
        description="one of the published provision categories (`GET /v1/budgets/provision-categories`): "
                    + ", ".join(categories.VALID) + ". A place at a school, college or early-years setting, "
                    "whatever it is called (" + ", ".join(c.id for c in categories.REFUSED) + "), is refused "
                    "(BUD-03: 409); any other value is 422 listing the valid ones.",
        examples=["personal_assistant", "therapy", "short_breaks"],
    )
    annual_cost_pence: int = Field(gt=0, le=10_000_000_000)
    arrangement: Arrangement
    on_setting_premises: bool = False
    setting_agreement: bool = Field(
        False, description="the head's or principal's written agreement (ELIG-09)"
    )
    contract_id: str | None = Field(None, max_length=36, description=(
        "CON-10: the block contract that serves this provision (its id in `/v1/contracts`); the budget cannot see "
        "contracts, so any id is accepted here, and contracts lists the child under that contract only if it is a "
        "contract of the budget's LA (otherwise it records the line as unmatched)"))
    funding_source: Literal["high_needs_top_up", "school_budget"] | None = Field(
        None, description="education-side money: the LA's high-needs top-up or a school's budget (BUD-04)")
    head_agreement: bool = Field(False, description="the head agreed to fund this from the school's budget")


class PanelDecisionCreate(Input):
    stream: Stream
    decision: Literal["approved", "declined", "escalated"]
    agreed_pence: int = Pence
    decided_by: str = Field(min_length=1, max_length=200)
    authority: Literal["stream", "senior"] = Field(
        "stream", description="stream: the stream's representative; senior: who decides escalated decisions"
    )


class HealthFundingIn(Input):
    event_id: str = Field(min_length=1, max_length=64, description="the ICB's id: applies the event once")
    child_id: str = Field(min_length=1, max_length=64)
    local_authority: str = LaCode
    annual_amount_pence: int = Pence
    effective_from: EFFECTIVE
    reason: str = Field(min_length=1, max_length=500)


class VariationCreate(Input):
    stream: Stream
    agreed_pence: int = Pence
    reasons: str = Field(min_length=1, max_length=2000, description="written reasons, shown to the family")


class ReconsiderationCreate(Input):
    reason: str = Field(min_length=1, max_length=2000)


class ReconsiderationDecision(Input):
    outcome: Literal["upheld", "withdrawn"] = Field(
        description="upheld: the reduction applies now; withdrawn: the agreed amount stays"
    )


class OutcomeProgress(Input):
    outcome: str = Field(min_length=1, max_length=500, description="an outcome named by the budget's provision lines")
    progress: Literal[outcomes.PROGRESS] = Field(description="not_started, some, good or achieved")  # type: ignore[valid-type]
    note: str = Field("", max_length=2000)


class ViewsGiven(Input):
    text: str = Field(min_length=1, max_length=5000, description="the child's or young person's own views")
    given_by: Literal[outcomes.GIVEN_BY] = Field(  # type: ignore[valid-type]
        description="child, young_person, parent_on_their_behalf or advocate")


class ReviewCreate(Input):
    reviewed_on: HELD
    kind: Literal["first", "annual", "requested", "circumstances_changed"]
    notes: str = Field("", max_length=5000)
    progress: list[OutcomeProgress] = Field([], max_length=100, description=(
        "BUD-14: progress towards each outcome the budget's lines name; an outcome they do not name is 422"))
    views: ViewsGiven | None = Field(None, description="BUD-14: the child's or young person's own views")


class ReviewRequest(Input):
    requested_on: ASKED
    reason: str = Field(min_length=1, max_length=2000)
    circumstances_changed: bool = Field(False, description=(
        "BUD-12: the child's circumstances changed: besides the review due at once, a new RAS assessment is asked "
        "for (budget.reassessment_requested.v1)"))


DisputeStep = Literal["reconsideration", "panel", "complaint", "ombudsman"]
DECIDED = up_to(1, "a decision is recorded once it has been made")


class DisputeCreate(Input):
    subject: Literal["amount", "contents"] = Field(
        description="what the family disputes: the budget's amount, or what it pays for (BUD-13)")
    details: str = Field(min_length=1, max_length=5000, description="what the family disagrees with, and why")
    raised_by: str = Field(min_length=1, max_length=200, description="who raised it, e.g. `parent`, `young person`")
    opened_on: HELD | None = Field(None, description="the day the family raised it; omitted: today")
    variation_id: str | None = Field(None, max_length=36, description="the variation (BUD-10) disputed, if one")
    panel_decision_id: str | None = Field(None, max_length=36, description="the panel decision disputed, if one")
    starts_at: DisputeStep = Field("reconsideration", description=(
        "`reconsideration` (every dispute starts there), or `panel` when `variation_id` names a reduction whose one "
        "reconsideration (BUD-10) was decided and upheld; any other is refused (409, BUD-13)"))


class DisputeDecisionCreate(Input):
    outcome: Literal["upheld", "not_upheld", "partly_upheld"]
    reasons: str = Field(min_length=1, max_length=5000, description="the reasons, as the family will read them")
    decided_by: str = Field(min_length=1, max_length=200, description="who decided: an officer, the panel, the "
                                                                      "complaints team, the Ombudsman")
    decided_on: DECIDED | None = Field(None, description="the day it was decided; omitted: today")
    variation_id: str | None = Field(None, max_length=36, description=(
        "the variation that makes an upheld change of the amount (BUD-10): required, or `panel_decision_id`, "
        "when a dispute of the amount is upheld or partly upheld"))
    panel_decision_id: str | None = Field(None, max_length=36, description="the panel decision that makes it")


class DisputeEscalation(Input):
    to: DisputeStep = Field(description="the step the family takes: only the very next one (BUD-13)")
    reason: str = Field(min_length=1, max_length=5000, description="why the family takes it further")
    opened_on: HELD | None = Field(None, description="the day the family asked; omitted: today")


class CommitmentCreate(Input):
    stream: Stream
    amount_pence: int = Field(
        ge=-10_000_000_000,
        le=10_000_000_000,
        description="positive commits money; negative releases a commitment; not 0",
    )
    memo: str = Field(min_length=1, max_length=500)


class ReversalCreate(Input):
    reason: str = Field(min_length=1, max_length=500)


def _of(*path: str) -> Any:
    """A field read from an attribute of an attribute of what the use case returned (e.g. its ``budget``)."""
    return Field(validation_alias=AliasPath(*path))


class StreamBalanceRead(Read):
    """One stream's balances, each a sum of ledger entries (BUD-08)."""

    indicative_pence: int
    agreed_pence: int
    released_pence: int
    committed_pence: int
    spent_pence: int
    available_pence: int = Field(description="agreed + released − committed − spent")


class ProvisionRead(Read):
    id: str
    description: str
    outcome: str
    stream: str
    category: str
    annual_cost_pence: int
    arrangement: str
    on_setting_premises: bool
    setting_agreement: bool
    funding_source: str | None
    head_agreement: bool
    contract_id: str | None
    created_at: datetime


class NextStepRead(Read):
    """BUD-13: the next step open to the family after a decision: `reconsideration`, `panel` (a return to panel),
    `complaint` (the council's complaints process), `ombudsman` (the Local Government and Social Care Ombudsman)
    or `none`; `how` in plain English; `by` the date to take it by, where one applies."""

    step: Literal["reconsideration", "panel", "complaint", "ombudsman", "none"]
    how: str
    by: date | None


class PanelDecisionRead(Read):
    id: str
    stream: str
    requested: str
    decision: str
    agreed_pence: int
    extra_pence: int = Field(description="what the panel awarded above the indicative amount (BUD-06)")
    authority: str
    limit_pence: int
    decided_by: str
    decided_at: datetime
    rule: str | None = Field(description="BUD-06 when the approval was escalated")
    next_step: NextStepRead = Field(description="what the family may do next (BUD-13)")


class InsufficiencyRead(Read):
    """BUD-05: a stream whose agreed amount no longer covers its agreed provision, since an ICB cut."""

    stream: str
    rule: str
    agreed_pence: int
    provision_cost_pence: int
    shortfall_pence: int
    message: str
    since: date
    icb_event_id: str | None
    flagged_at: datetime


class BudgetRead(Read):
    id: str = _of("budget", "id")
    child_id: str = _of("budget", "child_id")
    local_authority: str = _of("budget", "local_authority")
    plan_reference: str = _of("budget", "plan_reference")
    period_start: date = _of("budget", "period_start")
    period_end: date = _of("budget", "period_end")
    status: str = _of("budget", "status")
    opened_from: str = _of("budget", "opened_from")
    streams: dict[str, StreamBalanceRead]
    provisions: list[ProvisionRead]
    panel_decisions: list[PanelDecisionRead]
    created_at: datetime = _of("budget", "created_at")
    agreed_at: datetime | None = _of("budget", "agreed_at")
    next_review_due: date | None = _of("budget", "next_review_due")
    insufficient: list[InsufficiencyRead]


class BudgetPage(Read):
    items: list[BudgetRead]
    next_cursor: str | None


class EntryRead(Read):
    stream: str
    account: str
    amount_pence: int = Field(description="debit positive, credit negative")


class TransactionRead(Read):
    id: int = _of("txn", "id")
    kind: str = _of("txn", "kind")
    memo: str = _of("txn", "memo")
    reference: str | None = _of("txn", "reference")
    reverses_id: int | None = _of("txn", "reverses_id")
    created_at: datetime = _of("txn", "created_at")
    entries: list[EntryRead]


class LedgerPage(Page[TransactionRead]):
    """A page of the ledger, newest first: `next_cursor` pages on; `next_before`, the id to pass as `before`, is
    kept for callers that paged with it before the ledger took a cursor."""

    model_config = ConfigDict(from_attributes=True)
    next_before: int | None = Field(description="deprecated: page with `next_cursor`")


class LedgerTotalsRow(Read):
    """One budget and stream of the ledger's finance totals (BUD-08)."""

    budget_id: str
    stream: str
    payments_pence: int = Field(description="direct payments spent (payments.payment_issued.v1), net of returns")
    recoveries_pence: int = Field(description="confirmed recoveries given back (payments.recovery_confirmed.v1)")
    released_pence: int = Field(description="released from block contracts (contracts.funds_released.v1)")
    returned_pence: int = Field(description="given back to block contracts (contracts.funds_returned.v1)")
    agreed_pence: int
    released_total_pence: int = Field(description="released less returned")
    committed_pence: int
    spent_pence: int
    available_pence: int = Field(description="agreed + released − committed − spent")


class LedgerTotals(FinanceTotals[LedgerTotalsRow]):
    """The budget ledger's finance totals of one LA, for reconciliation (BUD-08)."""


class AuditRead(Read):
    id: str
    budget_id: str
    child_id: str
    local_authority: str
    client_id: str
    kind: str
    action: str
    route: str
    request_id: str | None
    occurred_at: datetime


class AuditPage(Read):
    items: list[AuditRead]
    next_cursor: str | None


class HealthFundingOutcome(Read):
    outcome: Literal["applied", "held", "superseded", "duplicate"]
    event_id: str
    status: str
    budget_id: str | None
    child_id: str
    local_authority: str
    annual_amount_pence: int
    effective_from: date


class VariationRead(Read):
    id: str
    stream: str
    kind: str
    from_pence: int
    to_pence: int
    reasons: str
    status: str
    notice_issued_on: date
    reconsider_by: date | None
    notice: str | None = Field(description="the written notice of a reduction (BUD-10)")
    rule: str | None
    reconsideration_reason: str | None
    reconsideration_outcome: str | None
    applied_at: datetime | None
    next_step: NextStepRead = Field(description="what the family may do next (BUD-13, after BUD-10)")


class VariationList(Read):
    items: list[VariationRead]


class ProgressRead(Read):
    outcome: str
    progress: str
    note: str


class ViewsRead(Read):
    text: str
    given_by: str


class ReviewRead(Read):
    id: str
    kind: str
    on: date = Field(validation_alias="reviewed_on")
    notes: str
    recorded_by: str
    progress: list[ProgressRead] | None = Field(
        None, description="BUD-14: progress per outcome; null on reviews recorded without it")
    views: ViewsRead | None = Field(None, description="BUD-14: the child's or young person's own views")


class ReviewRecorded(ReviewRead):
    """A review held or asked for, and the budget's next review after it (BUD-09, BUD-12)."""

    next_review_due: date | None


class ReviewRequested(ReviewRecorded):
    reassessment_requested: bool


class ReviewDue(Read):
    budget_id: str = _of("budget", "id")
    child_id: str = _of("budget", "child_id")
    local_authority: str = _of("budget", "local_authority")
    plan_reference: str = _of("budget", "plan_reference")
    next_review_due: date = _of("budget", "next_review_due")
    overdue: bool
    review_kind: str | None
    review_reason: str | None




class ReviewHistory(Read):
    next_review_due: date | None
    review_kind: str | None
    review_reason: str | None
    review_cadence_months: list[int]
    review_cadence: str
    items: list[ReviewRead]


class DisputeStepRead(Read):
    """One step of a dispute (BUD-13), with its dates, outcome, reasons and who decided."""

    step: str
    opened_on: date
    reason: str
    decided_on: date | None
    outcome: str | None
    reasons: str | None
    decided_by: str | None
    variation_id: str | None
    panel_decision_id: str | None


class DisputeRead(Read):
    id: str = _of("dispute", "id")
    budget_id: str = _of("dispute", "budget_id")
    subject: str = _of("dispute", "subject")
    details: str = _of("dispute", "details")
    raised_by: str = _of("dispute", "raised_by")
    variation_id: str | None = _of("dispute", "variation_id")
    panel_decision_id: str | None = _of("dispute", "panel_decision_id")
    status: str = _of("dispute", "status")
    current_step: str
    steps: list[DisputeStepRead]
    next_step: NextStepRead
    rule: Literal["BUD-13"] = "BUD-13"
    created_at: datetime = _of("dispute", "created_at")
    updated_at: datetime = _of("dispute", "updated_at")


class DisputeList(Read):
    items: list[DisputeRead]


class OfferItemRead(Read):
    id: str = Field(description="the provision category (`GET /v1/budgets/provision-categories`)")
    label: str
    description: str


class StreamMenuRead(Read):
    stream: str
    name: str
    can_buy: list[OfferItemRead]


class RefusedRead(OfferItemRead):
    reason: str
    rule: str


class PolicyRead(Read):
    url: str
    summary: str


class AdviceRead(Read):
    name: str
    url: str
    phone: str | None
    about: str


class LocalOfferRead(Read):
    """BUD-15: an LA's published local offer of personal budgets."""

    local_authority: str
    name: str
    menu: str = Field(description="whose menu: `platform_default` (every LA has it today)")
    streams: list[StreamMenuRead] = Field(description="what a personal budget may buy, per stream")
    cannot_buy: list[RefusedRead] = Field(description="what it may never buy (BUD-03), whatever it is called")
    policy: PolicyRead
    advice: AdviceRead = Field(description="where families get independent advice (SENDIAS)")
    rules: list[str]


class CategoryRead(Read):
    """A provision category (BUD-15): what it is and the streams that may buy it."""

    id: str
    label: str
    description: str
    streams: list[str]
    allowed: bool


class RefusedCategoryRead(CategoryRead):
    """A category a personal budget can never buy (BUD-03), and why."""

    rule: str
    reason: str = Field(validation_alias="refused_because")


class ProvisionCategoriesRead(Read):
    """The published provision categories (BUD-15): the menu, per stream, and what BUD-03 refuses."""

    local_authority: str | None
    menu: str = Field(description="whose menu: `platform_default` (every LA has it today)")
    categories: list[CategoryRead]
    by_stream: dict[str, list[str]] = Field(description="per stream, the ids of the categories it may buy")
    refused: list[RefusedCategoryRead]


class StatementStreamRead(Read):
    stream: str
    title: str
    indicated_pence: int = _of("balance", "indicative_pence")
    agreed_pence: int = _of("balance", "agreed_pence")
    released_pence: int = _of("balance", "released_pence")
    committed_pence: int = _of("balance", "committed_pence")
    spent_pence: int = _of("balance", "spent_pence")
    left_pence: int = _of("balance", "available_pence")
    summary: str = Field(description="the stream's figures in plain English")
    provision: list[str] = Field(description="each provision line in plain English")


class PlanRead(Read):
    """The plan a report line is about: its budget, child, plan reference, period and the budget's stage."""

    budget_id: str = _of("budget", "id")
    child_id: str = _of("budget", "child_id")
    plan_reference: str = _of("budget", "plan_reference")
    period_start: date = _of("budget", "period_start")
    period_end: date = _of("budget", "period_end")
    status: str = _of("budget", "status")


class StatementRead(PlanRead):
    """The family statement: per stream what was indicated, agreed, released, spent and what is left."""

    streams: list[StatementStreamRead]
    total_agreed_pence: int
    total_left_pence: int
    next_review_due: date | None = _of("budget", "next_review_due")
    about: str


class Sen2PlanRead(PlanRead):
    """BUD-11: one plan's SEN2 personal-budget fields (third-party arrangements count as direct payments)."""

    has_personal_budget: Literal["Y", "N"] = _of("fields", "has_personal_budget")
    organised_arrangements: Literal["Y", "N"] = _of("fields", "organised_arrangements")
    direct_payment_funders: list[str] = _of("fields", "direct_payment_funders")
    direct_payment_funder_code: Literal["E", "S", "H", "I"] | None = _of("fields", "direct_payment_funder_code")


class TransactionId(BaseModel):
    transaction_id: int


class Sen2IssueRead(Read):
    """A value missing or inconsistent in the SEN2 return (BUD-11): the record (plan reference, or the LA for the
    header), the SEN2 item (`PB`, `OA`, `DP`, `Person`, `NamedPlan`, `LEA`) and why."""
    code: str
    severity: Literal["error", "warning"]
    reference: str
    field: str
    message: str
    budget_id: str | None
    child_id: str | None


class Sen2RecordRead(Read):
    """One plan's SEN2 personal-budget items at the census date: PB, and OA and DP when PB."""
    budget_id: str
    child_id: str
    plan_reference: str
    pb: bool
    oa: bool | None
    dp: Literal["E", "S", "H", "I"] | None
    dp_funders: list[str]


class Sen2ValidationRead(Read):
    """The SEN2 return's validation report for one LA and census date: `ready` when it has no errors."""
    local_authority: str
    census_date: date
    lea: str | None
    guide: str
    records_count: int
    taken_up_count: int
    errors_count: int
    warnings_count: int
    ready: bool
    issues: list[Sen2IssueRead]
    records: list[Sen2RecordRead]


# ---------------------------------------------------------------- family links (issue 20)
class FamilyLinkCreate(FamilyLinkExpiry):
    """A signed link for the family to one document of the budget: its statement, or a decision notice."""

    document: Literal["statement", "variation", "panel_decision", "dispute"] = Field("statement", description=(
        "what the link opens, as a page and a PDF: `statement` (the family statement), or a decision notice naming "
        "the family's next step (BUD-13), which they can take from it: `variation` (BUD-10) or `panel_decision`, "
        "or a `dispute` (BUD-13): every step so far with its dates and outcome, and the next step"))
    document_id: str | None = Field(None, max_length=36, description=(
        "the variation, panel decision or dispute of this budget the notice is about (required for them)"))


class FamilyLinkRead(LinkRead):
    """A family link: give `url` to the family (by email, text or letter). Anyone holding it can open the document
    until `expires_at`, so revoke it if it reaches someone else."""

    budget_id: str
    document: str
    document_id: str | None = Field(None, description=(
        "the variation, panel decision or dispute a decision notice is about"))


class FamilyReviewRequested(BaseModel):
    """The family's request for a review, made from their link (BUD-09), when the client asks for JSON."""

    review_id: str
    requested_on: date
    next_review_due: date | None


class FamilyDisputeAsked(BaseModel):
    """What the family asked for from a decision notice's link (BUD-13), when the client asks for JSON: the `step`
    (`reconsideration` or `panel`), the record made (the variation reconsidered, or the dispute opened) and `again`
    when the link had asked before (nothing new recorded)."""

    step: str
    record_id: str
    again: bool


# ELIG-14: the handover of a budget to adult social care before the young person turns 18.
class HandoverStreamRead(Read):
    """One stream's money, each figure a sum of ledger entries (BUD-08)."""

    stream: Stream
    agreed_pence: int
    released_pence: int
    committed_pence: int
    spent_pence: int = Field(description="paid")
    available_pence: int


class HandoverArrangementRead(Read):
    arrangement: Arrangement
    held_as: str = Field(description="the arrangement in plain English")
    annual_cost_pence: int = Field(description="the annual cost of the provision held this way")
    streams: list[Stream]


class HandoverOutcomeRead(Read):
    """An outcome of the plan, the provision serving it and the latest progress towards it (BUD-14)."""

    outcome: str
    provision: list[str] = Field(description="the provision lines serving it")
    annual_cost_pence: int
    progress: Literal[outcomes.PROGRESS] | None = Field(  # type: ignore[valid-type]
        description="at the latest review that recorded it; null before any")
    note: str | None
    reviewed_on: date | None


class HandoverViewsRead(Read):
    text: str
    given_by: str
    reviewed_on: date


class HandoverDisputeRead(Read):
    """A dispute still open (BUD-13): a step awaits its decision, or the family may take the next one."""

    dispute_id: str
    subject: Literal["amount", "contents"]
    status: Literal["open", "decided"]
    step: Literal["reconsideration", "panel", "complaint", "ombudsman"]
    opened_on: date
    next_step: Literal["reconsideration", "panel", "complaint", "ombudsman", "none"]
    next_step_how: str
    next_step_by: date | None


class HandoverRead(Read):
    """ELIG-14: a budget's handover summary for adult social care, as the budget stands now."""

    budget_id: str
    child_id: str
    local_authority: str
    turns_18_on: date | None = Field(description="from eligibility.adulthood_approaching.v1; null until it came")
    care_leaver: bool
    prepared_at: datetime | None = Field(description="when the handover was prepared on eligibility's word that "
                                                     "the young person turns 18; null until then")
    eligibility_summary: str | None = Field(description="the eligibility's part of the handover, as it was told")
    budget_status: str = _of("summary", "budget_status")
    plan_reference: str = _of("summary", "plan_reference")
    period_start: date = _of("summary", "period_start")
    period_end: date = _of("summary", "period_end")
    agreed_pence: int = _of("summary", "agreed_pence")
    committed_pence: int = _of("summary", "committed_pence")
    spent_pence: int = _of("summary", "spent_pence")
    streams: list[HandoverStreamRead] = _of("summary", "streams")
    arrangements: list[HandoverArrangementRead] = _of("summary", "arrangements")
    outcomes: list[HandoverOutcomeRead] = _of("summary", "outcomes")
    views: HandoverViewsRead | None = _of("summary", "views")
    next_review_due: date | None = _of("summary", "next_review_due")
    next_review_reason: str | None = _of("summary", "next_review_reason")
    open_disputes: list[HandoverDisputeRead] = _of("summary", "open_disputes")
    summary: str = Field(validation_alias=AliasPath("summary", "summary"),
                         description="the whole summary in plain English")


class HandoverPrepared(Read):
    """ELIG-14: a handover prepared when eligibility told adult social care that a young person turns 18."""

    id: str
    local_authority: str
    child_id: str
    turns_18_on: date
    care_leaver: bool
    outcome: Literal["prepared", "no_budget"] = Field(
        description="`no_budget`: the young person had no open budget to hand over when told")
    budget_ids: list[str] = Field(description="the open budgets handed over: `GET /v1/budgets/{id}/handover`")
    eligibility_summary: str
    prepared_at: datetime


class HandoverPage(Read):
    items: list[HandoverPrepared]
    next_cursor: str | None = None
