"""What the budget service publishes (and the ICB event it accepts): the v1 payload models and the envelopes built
from them. The only serialiser of its events: every payload is one of these models, dumped; the AsyncAPI document is
built from them (``OWNED``) and the tests hold every published payload to them (docs/events.md is the contract)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from kit.events import Envelope
from kit.schemas import up_to
from services.budget.models import Budget, Provision

PRODUCER = "budget"
# A time as the payloads have always carried it: ``datetime.isoformat()`` (``+00:00``, not pydantic's ``Z``).
Instant = Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")]

Stream = Literal["education", "health", "social_care", "transport"]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Whose(Payload):
    """The fields that name a budget and whose it is, first in every payload about one budget."""

    budget_id: str
    child_id: str
    local_authority: str


class Plan(Whose):
    """A budget and its plan period (budget.opened.v1, budget.agreed.v1, budget.closed.v1)."""

    plan_reference: str
    period_start: date
    period_end: date


class BudgetOpened(Plan):
    """A budget was opened for a child's plan period, by casework (`manual`) or from eligibility + RAS events."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11", "child_id": "C-104233", "local_authority": "E06000060",
        "plan_reference": "EHCP-2026-04417", "period_start": "2026-10-01", "period_end": "2027-09-30",
        "indicative_pence": {"education": 840000, "social_care": 620000}, "opened_from": "events"}]})

    indicative_pence: dict[Stream, int]
    opened_from: Literal["manual", "events"]


class StreamAgreed(Payload):
    agreed_pence: int
    direct_payment_pence: int


class BudgetAgreed(Plan):
    """A budget was agreed; payments opens one agreement per stream with direct_payment_pence > 0."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11", "child_id": "C-104233", "local_authority": "E06000060",
        "plan_reference": "EHCP-2026-04417", "period_start": "2026-10-01", "period_end": "2027-09-30",
        "agreed_at": "2026-10-14T15:30:00+00:00",
        "streams": {"education": {"agreed_pence": 840000, "direct_payment_pence": 0},
                    "social_care": {"agreed_pence": 620000, "direct_payment_pence": 620000}},
        "direct_payment_total_pence": 620000}]})

    agreed_at: Instant
    streams: dict[Stream, StreamAgreed]
    direct_payment_total_pence: int


class HealthFundingApplied(Whose):
    """An ICB health-funding event changed the health stream of the child's open budget (BUD-07)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11", "child_id": "C-104233", "local_authority": "E06000060",
        "icb_event_id": "QU9-2026-000731", "annual_amount_pence": 1250000, "previous_amount_pence": 980000,
        "effective_from": "2026-11-01",
        "reason": "Continuing care package reviewed: two extra nursing nights a week"}]})

    icb_event_id: str
    annual_amount_pence: int
    previous_amount_pence: int
    effective_from: date
    reason: str


class BudgetVaried(Whose):
    """Additive within v1: a stream's agreed amount changed after agreement (BUD-10)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11", "child_id": "C-104233", "local_authority": "E06000060",
        "variation_id": "8e0a2c4e-6a8c-4e0a-9c2e-4a6c8e0a2c5b", "stream": "social_care",
        "previous_agreed_pence": 620000, "agreed_pence": 700000,
        "reasons": "Short breaks increased from two to three weekends a month after the annual review",
        "direct_payment_pence": 700000, "effective_from": "2027-01-01"}]})

    variation_id: str
    stream: Stream
    previous_agreed_pence: int
    agreed_pence: int
    reasons: str
    direct_payment_pence: int
    effective_from: date


class BudgetClosed(Plan):
    """Additive within v1: the budget closed — its plan period ended, or the plan ceased. Payments stops its
    direct-payment agreements from ``closed_on`` (PAY-08)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11", "child_id": "C-104233", "local_authority": "E06000060",
        "plan_reference": "EHCP-2026-04417", "period_start": "2026-10-01", "period_end": "2027-09-30",
        "closed_on": "2027-09-30", "reason": "the plan period ended"}]})

    plan_reference: str | None
    closed_on: date
    reason: str


class HealthFundingChanged(Payload):
    """Published by ICB systems; the same as POST /v1/budgets/health-funding-events. The payload's event_id is
    the ICB's id and is what makes it apply once.

    Read with the same limits as the REST body (an event that breaks one is dead-lettered with the field named).
    What follows (BUD-07), each outcome recorded once per `event_id`:
    - **applied**: the health stream of the child's open budget in `local_authority` is set to
      `annual_amount_pence` from `effective_from` (a ledger posting of the difference), and
      `budget.health_funding_applied.v1` is published. If that leaves an agreed budget's health stream below the
      cost of its agreed health provision, `budget.insufficient.v1` follows (BUD-05: flagged, early review); if it
      covers it again, `budget.insufficiency_cleared.v1`;
    - **held**: the child has no open budget in that local authority: kept, and applied (with its events) when one
      opens; nothing is published until then;
    - **superseded**: effective before the amount already applied: kept, changes nothing, publishes nothing;
    - **duplicate**: its `event_id` was received before (by AMQP or REST): nothing happens.
    The budget refuses no readable ICB event for a business reason, so none is dead-lettered for one and there is
    no refusal event for it (`budget.booking_refused.v1` is the refusal of money other services move)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "event_id": "QU9-2026-000731", "child_id": "C-104233", "local_authority": "E06000060",
        "annual_amount_pence": 1250000, "effective_from": "2026-11-01",
        "reason": "Continuing care package reviewed: two extra nursing nights a week"}]})

    event_id: str = Field(min_length=1, max_length=64, description="the ICB's id of the change: applies it once")
    child_id: str = Field(min_length=1, max_length=64, description="the child's id as the LA's systems know it")
    local_authority: str = Field(pattern=r"^[EWSN]\d{8}$", description="ONS code of the local authority, e.g. "
                                 "E06000060")
    annual_amount_pence: int = Field(ge=0, le=10_000_000_000, description="the health stream's new annual amount, "
                                     "integer pence")
    effective_from: up_to(730, "an ICB change is announced at most two years ahead, and a later date would "
                               "outrank every real change in between (BUD-07)")
    reason: str = Field(min_length=1, max_length=500, description="why the funding changed, shown on the ledger")


class BookingRefused(Payload):
    """Additive within v1: money another service moved that the budget will not book — no budget of that LA,
    another child's budget, a closed budget for a release (BUD-01, BUD-06, BUD-08). A business refusal, published
    and acknowledged, never a dead letter: contracts gives a refused release's units back."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "refused_event_type": "contracts.funds_released.v1", "refused_event_id": "5c7e9a1b-3d5f-4b7a-8c9e-1f3a5b7c9d0e",
        "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11", "child_id": "C-104233", "local_authority": "E06000060",
        "stream": "education", "amount_pence": 96000, "transfer_id": "7b9d1f3a-5c7e-4a9b-8d1f-3a5c7e9b1d2f",
        "payment_id": None, "recovery_id": None, "rule": "BUD-06",
        "reason": "the budget closed on 2026-10-31: nothing more is booked to it"}]})

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


class StreamCoverage(Whose):
    """A stream's agreed amount against the cost of its agreed provision (BUD-05)."""

    stream: Stream
    agreed_pence: int
    provision_cost_pence: int


class BudgetInsufficient(StreamCoverage):
    """Additive within v1 (BUD-05): a stream of an agreed budget no longer covers the cost of its agreed
    provision — an ICB cut to the health stream — or is short by a different amount than last said. The budget is
    flagged (`insufficient` on GET /v1/budgets/{id}) and an early review falls due on `review_due` (BUD-09)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11", "child_id": "C-104233", "local_authority": "E06000060",
        "stream": "health", "agreed_pence": 450000, "provision_cost_pence": 500000, "shortfall_pence": 50000,
        "since": "2027-02-01", "effective_from": "2027-02-01",
        "reasons": [{"rule": "BUD-05", "message": "the health stream's agreed £4,500.00 no longer covers its agreed "
                                                  "provision costing £5,000.00"}],
        "icb_event_id": "QU9-2027-000112", "review_due": "2027-02-01"}]})

    shortfall_pence: int
    since: date
    effective_from: date
    reasons: list[Reason]
    icb_event_id: str | None
    review_due: date


class BudgetInsufficiencyCleared(StreamCoverage):
    """Additive within v1 (BUD-05): a stream flagged by budget.insufficient.v1 covers its agreed provision again,
    by new ICB funding (`icb_event_id`) or a variation (`variation_id`)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11", "child_id": "C-104233", "local_authority": "E06000060",
        "stream": "health", "agreed_pence": 700000, "provision_cost_pence": 500000, "since": "2027-02-01",
        "cleared_on": "2027-02-20", "reason": "a variation raised the health stream to cover its provision",
        "icb_event_id": None, "variation_id": "8e0a2c4e-6a8c-4e0a-9c2e-4a6c8e0a2c5b"}]})

    since: date
    cleared_on: date
    reason: str
    icb_event_id: str | None
    variation_id: str | None


class ReassessmentRequested(Whose):
    """Additive within v1 (BUD-12): the child's circumstances changed (`POST /v1/budgets/{id}/review-requests`
    with `circumstances_changed: true`): a swift re-assessment is wanted — a new RAS assessment of the child —
    and a review of the budget is due on `review_due` (at once). A new assessment reaches the budget as
    `ras.assessment_completed.v1` as usual."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11", "child_id": "C-104233", "local_authority": "E06000060",
        "plan_reference": "EHCP-2026-04417", "review_id": "0b2d4f6a-8c0e-4a2c-9e4a-6c8e0a2c4e7f",
        "requested_on": "2027-03-08", "reason": "a new diagnosis of epilepsy changes the support needed at home",
        "review_due": "2027-03-08"}]})

    plan_reference: str
    review_id: str
    requested_on: date
    reason: str
    review_due: date


class ProvisionAdded(Whose):
    """Additive within v1 (CON-10): a provision line was added to the budget, naming the block contract that serves
    it (`contract_id`, null when none). Contracts lists the children each contract serves from these; a line naming
    a contract contracts does not hold for that LA is recorded there as unmatched. The line's outcome and
    description stay in the budget."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11", "child_id": "C-104233", "local_authority": "E06000060",
        "provision_id": "2c4e6a8c-0e2a-4c4e-8a6c-8e0a2c4e6a9d", "stream": "education", "category": "specialist_input",
        "arrangement": "third_party", "annual_cost_pence": 480000,
        "contract_id": "2e4a6c8e-0b2d-4f4a-9c6e-8a0c2e4b6d9f", "budget_status": "draft",
        "added_at": "2026-10-03T09:12:00+00:00"}]})

    provision_id: str
    stream: Stream
    category: str
    arrangement: Literal["direct_payment", "third_party", "notional"]
    annual_cost_pence: int
    contract_id: str | None
    budget_status: str
    added_at: Instant


class NextStepPayload(Payload):
    step: Literal["reconsideration", "panel", "complaint", "ombudsman", "none"]
    how: str
    by: date | None


class DisputeUpdated(Whose):
    """Additive within v1 (BUD-13): a family's dispute of a budget's amount or contents was opened, a step of it
    decided, or the family took the next step (reconsideration → panel → complaint → Ombudsman). `step` is the
    step the change is about, `outcome` its decision (`upheld`, `not_upheld`, `partly_upheld`; null while open), and
    `next_step` what is open to the family now. An upheld change of the amount names the variation or panel decision
    that makes it (`variation_id`, `panel_decision_id`): this event moves no money."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11", "child_id": "C-104233", "local_authority": "E06000060",
        "dispute_id": "6e8a0c2e-4a6c-4e8a-8c0e-2a4c6e8a0c1f", "change": "decided", "subject": "amount",
        "status": "decided", "step": "reconsideration", "opened_on": "2026-11-02", "decided_on": "2026-11-20",
        "outcome": "not_upheld", "decided_by": "SEND team manager", "variation_id": None,
        "panel_decision_id": None,
        "next_step": {"step": "panel", "how": "Ask for the budget to go back to panel: reply to the decision "
                                              "letter or ask your caseworker.", "by": "2026-12-18"}}]})

    dispute_id: str
    change: Literal["opened", "decided", "escalated"]
    subject: Literal["amount", "contents"]
    status: Literal["open", "decided", "resolved", "concluded"]
    step: Literal["reconsideration", "panel", "complaint", "ombudsman"]
    opened_on: date
    decided_on: date | None
    outcome: Literal["upheld", "not_upheld", "partly_upheld"] | None
    decided_by: str | None
    variation_id: str | None
    panel_decision_id: str | None
    next_step: NextStepPayload


PUBLISHED = {"budget.opened.v1": BudgetOpened, "budget.agreed.v1": BudgetAgreed,
             "budget.health_funding_applied.v1": HealthFundingApplied, "budget.varied.v1": BudgetVaried,
             "budget.closed.v1": BudgetClosed, "budget.booking_refused.v1": BookingRefused,
             "budget.insufficient.v1": BudgetInsufficient,
             "budget.insufficiency_cleared.v1": BudgetInsufficiencyCleared,
             "budget.reassessment_requested.v1": ReassessmentRequested,
             "budget.provision_added.v1": ProvisionAdded, "budget.dispute_updated.v1": DisputeUpdated}
ACCEPTED = {"icb.health_funding.changed.v1": HealthFundingChanged}


OWNED = {**PUBLISHED, **ACCEPTED}  # the payload models of its events and of the inbound ICB event it defines
TYPES = {model: type_ for type_, model in PUBLISHED.items()}


def _envelope(payload: Payload, budget: Budget | None, cause: Envelope | None, *, la: str | None = None
              ) -> Envelope:
    type_ = TYPES[type(payload)]
    body = payload.model_dump(mode="json")
    if cause is not None:
        return cause.caused(type_, producer=PRODUCER, payload=body)
    return Envelope(type=type_, producer=PRODUCER, local_authority=la or budget.local_authority, payload=body)


def _plan(budget: Budget) -> dict:
    """The fields that name a budget and its plan period in budget.opened.v1, budget.agreed.v1 and
    budget.closed.v1."""
    return {"budget_id": budget.id, "child_id": budget.child_id, "local_authority": budget.local_authority,
            "plan_reference": budget.plan_reference, "period_start": budget.period_start,
            "period_end": budget.period_end}


def _whose(budget: Budget) -> dict:
    return {"budget_id": budget.id, "child_id": budget.child_id, "local_authority": budget.local_authority}


def budget_opened(budget: Budget, indicative_pence: Mapping[str, int], cause: Envelope | None = None) -> Envelope:
    return _envelope(BudgetOpened(**_plan(budget), indicative_pence=dict(indicative_pence),
                                  opened_from=budget.opened_from), budget, cause)


def budget_agreed(budget: Budget, streams: Mapping[str, tuple[int, int]]) -> Envelope:
    """``streams``: stream → (agreed_pence, direct_payment_pence)."""
    return _envelope(BudgetAgreed(
        **_plan(budget), agreed_at=budget.agreed_at,
        streams={s: StreamAgreed(agreed_pence=a, direct_payment_pence=dp) for s, (a, dp) in streams.items()},
        direct_payment_total_pence=sum(dp for _, dp in streams.values())), budget, None)


def health_funding_applied(event: dict, previous_pence: int, cause: Envelope | None) -> Envelope:
    """``event``: the recorded ICB event (its columns), applied to ``event["budget_id"]``."""
    return _envelope(HealthFundingApplied(
        budget_id=event["budget_id"], child_id=event["child_id"], local_authority=event["local_authority"],
        icb_event_id=event["event_id"], annual_amount_pence=event["annual_amount_pence"],
        previous_amount_pence=previous_pence, effective_from=event["effective_from"], reason=event["reason"]),
        None, cause, la=event["local_authority"])


def budget_closed(budget: Budget, *, closed_on: date, reason: str) -> Envelope:
    """The budget closed (plan period over, or plan ceased): payments stops its agreements from ``closed_on``."""
    return _envelope(BudgetClosed(**_plan(budget), closed_on=closed_on, reason=reason), budget, None)


def budget_varied(budget: Budget, *, variation_id: str, stream: str, from_pence: int, to_pence: int, reasons: str,
                  direct_payment_pence: int, effective_from: date) -> Envelope:
    """Additive to v1: a stream's agreed amount changed after agreement (BUD-10), with the stream's direct-payment
    share after the change and the date it applies from."""
    return _envelope(BudgetVaried(
        **_whose(budget), variation_id=variation_id, stream=stream, previous_agreed_pence=from_pence,
        agreed_pence=to_pence, reasons=reasons, direct_payment_pence=direct_payment_pence,
        effective_from=effective_from), budget, None)


def booking_refused(cause: Envelope, *, budget_id: str | None, child_id: str, la: str, stream: str | None,
                    amount_pence: int, rule: str, reason: str, transfer_id: str | None = None,
                    payment_id: str | None = None, recovery_id: str | None = None) -> Envelope:
    """Additive to v1: money another service moved that the budget will not book (a business refusal, not a dead
    letter): the producer of ``refused_event_type`` acts on it."""
    return _envelope(BookingRefused(
        refused_event_type=cause.type, refused_event_id=str(cause.event_id), budget_id=budget_id,
        child_id=child_id, local_authority=la, stream=stream, amount_pence=amount_pence, transfer_id=transfer_id,
        payment_id=payment_id, recovery_id=recovery_id, rule=rule, reason=reason), None, cause)


def budget_insufficient(budget: Budget, *, stream: str, agreed_pence: int, provision_cost_pence: int, since: date,
                        effective_from: date, reasons: list[dict], icb_event_id: str | None, review_due: date,
                        cause: Envelope | None) -> Envelope:
    """Additive to v1 (BUD-05): a stream of an agreed budget no longer covers its agreed provision (an ICB cut),
    or is short by a different amount than last said; an early review falls due on ``review_due`` (BUD-09)."""
    return _envelope(BudgetInsufficient(
        **_whose(budget), stream=stream, agreed_pence=agreed_pence, provision_cost_pence=provision_cost_pence,
        shortfall_pence=provision_cost_pence - agreed_pence, since=since, effective_from=effective_from,
        reasons=[Reason(**r) for r in reasons], icb_event_id=icb_event_id, review_due=review_due), budget, cause)


def budget_insufficiency_cleared(budget: Budget, *, stream: str, agreed_pence: int, provision_cost_pence: int,
                                 since: date, cleared_on: date, reason: str, icb_event_id: str | None,
                                 variation_id: str | None, cause: Envelope | None) -> Envelope:
    """Additive to v1 (BUD-05): a stream flagged by ``budget.insufficient.v1`` covers its agreed provision again,
    by new ICB funding (``icb_event_id``) or a variation (``variation_id``)."""
    return _envelope(BudgetInsufficiencyCleared(
        **_whose(budget), stream=stream, agreed_pence=agreed_pence, provision_cost_pence=provision_cost_pence,
        since=since, cleared_on=cleared_on, reason=reason, icb_event_id=icb_event_id, variation_id=variation_id),
        budget, cause)


def reassessment_requested(budget: Budget, *, review_id: str, requested_on: date, reason: str) -> Envelope:
    """Additive to v1 (BUD-12): the child's circumstances changed; a new RAS assessment is wanted and a review is
    due (by ``review_due``, at once)."""
    return _envelope(ReassessmentRequested(
        **_whose(budget), plan_reference=budget.plan_reference, review_id=review_id, requested_on=requested_on,
        reason=reason, review_due=budget.next_review_due), budget, None)


def provision_added(budget: Budget, provision: Provision) -> Envelope:
    """Additive to v1 (CON-10): a provision line added, with the block contract it names (if any)."""
    return _envelope(ProvisionAdded(
        **_whose(budget), provision_id=provision.id, stream=provision.stream, category=provision.category,
        arrangement=provision.arrangement, annual_cost_pence=provision.annual_cost_pence,
        contract_id=provision.contract_id, budget_status=budget.status, added_at=provision.created_at), budget, None)


def dispute_updated(budget: Budget, *, dispute_id: str, change: str, subject: str, status: str, step, next_step
                    ) -> Envelope:
    """Additive to v1 (BUD-13): a dispute opened, a step decided, or the next step taken. ``step``: the step row
    (its dates, outcome, who decided, the variation or panel decision linked); ``next_step``: the domain's
    ``NextStep``."""
    return _envelope(DisputeUpdated(
        **_whose(budget), dispute_id=dispute_id, change=change, subject=subject, status=status, step=step.step,
        opened_on=step.opened_on, decided_on=step.decided_on, outcome=step.outcome, decided_by=step.decided_by,
        variation_id=step.variation_id, panel_decision_id=step.panel_decision_id,
        next_step=NextStepPayload(step=next_step.step, how=next_step.how, by=next_step.by)), budget, None)
