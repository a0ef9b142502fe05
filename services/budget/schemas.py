"""Request bodies of the budget API (responses are documented by the endpoint docstrings and examples)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from kit.schemas import Input, IsoDate, PlanDate, up_to, within_years
from services.budget.domain import categories

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
    contract_id: str | None = Field(None, max_length=36)
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


class ReviewCreate(Input):
    reviewed_on: HELD
    kind: Literal["first", "annual", "requested", "circumstances_changed"]
    notes: str = Field("", max_length=5000)


class ReviewRequest(Input):
    requested_on: ASKED
    reason: str = Field(min_length=1, max_length=2000)
    circumstances_changed: bool = Field(False, description=(
        "BUD-12: the child's circumstances changed: besides the review due at once, a new RAS assessment is asked "
        "for (budget.reassessment_requested.v1)"))


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
