"""The v1 payloads the budget service publishes (and the ICB event it accepts), as models: the AsyncAPI document
is built from them and the tests hold every published payload to them (docs/events.md is the contract)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

Stream = Literal["education", "health", "social_care", "transport"]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BudgetOpened(Payload):
    """A budget was opened for a child's plan period, by casework (`manual`) or from eligibility + RAS events."""

    budget_id: str
    child_id: str
    local_authority: str
    plan_reference: str
    period_start: date
    period_end: date
    indicative_pence: dict[Stream, int]
    opened_from: Literal["manual", "events"]


class StreamAgreed(Payload):
    agreed_pence: int
    direct_payment_pence: int


class BudgetAgreed(Payload):
    """A budget was agreed; payments opens one agreement per stream with direct_payment_pence > 0."""

    budget_id: str
    child_id: str
    local_authority: str
    plan_reference: str
    period_start: date
    period_end: date
    agreed_at: datetime
    streams: dict[Stream, StreamAgreed]
    direct_payment_total_pence: int


class HealthFundingApplied(Payload):
    """An ICB health-funding event changed the health stream of the child's open budget (BUD-07)."""

    budget_id: str
    child_id: str
    local_authority: str
    icb_event_id: str
    annual_amount_pence: int
    previous_amount_pence: int
    effective_from: date
    reason: str


class BudgetVaried(Payload):
    """Additive within v1: a stream's agreed amount changed after agreement (BUD-10)."""

    budget_id: str
    child_id: str
    local_authority: str
    variation_id: str
    stream: Stream
    previous_agreed_pence: int
    agreed_pence: int
    reasons: str
    direct_payment_pence: int
    effective_from: date


class BudgetClosed(Payload):
    """Additive within v1: the budget closed — its plan period ended, or the plan ceased. Payments stops its
    direct-payment agreements from ``closed_on`` (PAY-08)."""

    budget_id: str
    child_id: str
    local_authority: str
    plan_reference: str | None
    period_start: date
    period_end: date
    closed_on: date
    reason: str


class HealthFundingChanged(Payload):
    """Published by ICB systems; the same as POST /v1/budgets/health-funding-events. The payload's event_id is
    the ICB's id and is what makes it apply once."""

    event_id: str
    child_id: str
    local_authority: str
    annual_amount_pence: int
    effective_from: date
    reason: str


class BookingRefused(Payload):
    """Additive within v1: money another service moved that the budget will not book — no budget of that LA,
    another child's budget, a closed budget for a release (BUD-01, BUD-06, BUD-08). A business refusal, published
    and acknowledged, never a dead letter: contracts gives a refused release's units back."""

    refused_event_type: str
    refused_event_id: str
    budget_id: str | None
    child_id: str
    local_authority: str
    stream: Stream | None
    amount_pence: int
    transfer_id: str | None
    payment_id: str | None
    recovery_id: str | None
    rule: str
    reason: str


class Reason(Payload):
    rule: str
    message: str


class BudgetInsufficient(Payload):
    """Additive within v1 (BUD-05): a stream of an agreed budget no longer covers the cost of its agreed
    provision — an ICB cut to the health stream — or is short by a different amount than last said. The budget is
    flagged (`insufficient` on GET /v1/budgets/{id}) and an early review falls due on `review_due` (BUD-09)."""

    budget_id: str
    child_id: str
    local_authority: str
    stream: Stream
    agreed_pence: int
    provision_cost_pence: int
    shortfall_pence: int
    since: date
    effective_from: date
    reasons: list[Reason]
    icb_event_id: str | None
    review_due: date


class BudgetInsufficiencyCleared(Payload):
    """Additive within v1 (BUD-05): a stream flagged by budget.insufficient.v1 covers its agreed provision again,
    by new ICB funding (`icb_event_id`) or a variation (`variation_id`)."""

    budget_id: str
    child_id: str
    local_authority: str
    stream: Stream
    agreed_pence: int
    provision_cost_pence: int
    since: date
    cleared_on: date
    reason: str
    icb_event_id: str | None
    variation_id: str | None


class ReassessmentRequested(Payload):
    """Additive within v1 (BUD-12): the child's circumstances changed (`POST /v1/budgets/{id}/review-requests`
    with `circumstances_changed: true`): a swift re-assessment is wanted — a new RAS assessment of the child —
    and a review of the budget is due on `review_due` (at once). A new assessment reaches the budget as
    `ras.assessment_completed.v1` as usual."""

    budget_id: str
    child_id: str
    local_authority: str
    plan_reference: str
    review_id: str
    requested_on: date
    reason: str
    review_due: date


PUBLISHED = {"budget.opened.v1": BudgetOpened, "budget.agreed.v1": BudgetAgreed,
             "budget.health_funding_applied.v1": HealthFundingApplied, "budget.varied.v1": BudgetVaried,
             "budget.closed.v1": BudgetClosed, "budget.booking_refused.v1": BookingRefused,
             "budget.insufficient.v1": BudgetInsufficient,
             "budget.insufficiency_cleared.v1": BudgetInsufficiencyCleared,
             "budget.reassessment_requested.v1": ReassessmentRequested}
ACCEPTED = {"icb.health_funding.changed.v1": HealthFundingChanged}


OWNED = {**PUBLISHED, **ACCEPTED}  # the payload models of its events and of the inbound ICB event it defines
