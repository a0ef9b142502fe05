"""Events the budget service consumes, read through its own minimal models of docs/events.md. Every handler
runs in the inbox's transaction: its changes and the inbox row commit together, or neither does."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from kit.events import Envelope
from kit.inbox import Consumers, Reader, read
from services.budget.domain.ledger import STREAMS
from services.budget.schemas import EFFECTIVE
from services.budget.service import handover, health, money, opening
from services.budget.settings import BudgetSettings

consumers = Consumers()


class RequestDecided(Reader):
    request_id: str
    child_id: str
    local_authority: str
    status: str
    streams: dict[str, dict] = {}
    arrangements: dict[str, dict] = {}
    eligible_streams: list[str] = []
    requested_on: date
    decided_at: datetime


class AssessmentCompleted(Reader):
    assessment_id: str
    child_id: str
    local_authority: str
    indicative_pence: dict[str, int]
    completed_at: datetime


class HealthFundingChanged(Reader):
    event_id: str = Field(min_length=1, max_length=64)
    child_id: str = Field(min_length=1, max_length=64)
    local_authority: str = Field(pattern=r"^[EWSN]\d{8}$")  # an ONS code, as over REST; nothing else can apply
    # Whole pence as a JSON integer, as over REST: lax parsing would read "12500.00" (pounds, as text) as 12500.
    annual_amount_pence: int = Field(ge=0, le=10_000_000_000, strict=True)
    effective_from: EFFECTIVE  # a date past the horizon can never be applied sensibly (BUD-07): dead-lettered
    reason: str = Field(min_length=1, max_length=500)


class FundsMoved(Reader):
    transfer_id: str
    budget_id: str
    child_id: str
    local_authority: str
    stream: str = Field(pattern="^(" + "|".join(STREAMS) + ")$")
    amount_pence: int = Field(ge=0)


class DirectPaymentMoney(Reader):
    """What payments.payment_issued.v1 and payments.recovery_confirmed.v1 have in common."""

    budget_id: str | None = None
    child_id: str
    local_authority: str
    stream: str | None = Field(None, pattern="^(" + "|".join(STREAMS) + ")$")
    amount_pence: int = Field(ge=0)


class PaymentIssued(DirectPaymentMoney):
    payment_id: str


class RecoveryConfirmed(DirectPaymentMoney):
    recovery_id: str


class PaymentReturned(DirectPaymentMoney):
    payment_id: str


class RepaymentReceived(DirectPaymentMoney):
    repayment_id: str
    recovery_id: str


@consumers.on("eligibility.request_decided.v1")
async def on_request_decided(session, envelope: Envelope, settings: BudgetSettings) -> None:
    """Remember the CYP's latest decision; open a budget if a RAS result is already there."""
    event = read(RequestDecided, envelope)
    await opening.record_decision(
        session, envelope, la=event.local_authority, child_id=event.child_id, request_id=event.request_id,
        status=event.status, eligible_streams=event.eligible_streams, streams=event.streams,
        arrangements=event.arrangements, decided_at=event.decided_at, requested_on=event.requested_on)


@consumers.on("ras.assessment_completed.v1")
async def on_assessment_completed(session, envelope: Envelope, settings: BudgetSettings) -> None:
    """Remember the CYP's latest RAS result; open a budget if an eligible request is already there."""
    event = read(AssessmentCompleted, envelope)
    await opening.record_assessment(
        session, envelope, la=event.local_authority, child_id=event.child_id, assessment_id=event.assessment_id,
        indicative_pence=event.indicative_pence, completed_at=event.completed_at)


@consumers.on_batch("icb.health_funding.changed.v1")
async def on_health_funding_changed(session, envelopes: list[Envelope], settings: BudgetSettings) -> None:
    """BUD-07: the same as POST /v1/budgets/health-funding-events, for a batch of deliveries at once; each from a
    broker user allowed to move health funding for the child's LA (ICB tenancy), or none is applied."""
    received = [(health.HealthFunding(**read(HealthFundingChanged, e).model_dump()), e) for e in envelopes]
    health.ensure_publishers_may(received, settings.icb_publisher_refusal)
    await health.receive_many(session, received, channel="amqp")


async def _funds(session, envelope: Envelope, *, returned: bool) -> None:
    event = read(FundsMoved, envelope)
    await money.receive_transfer(
        session, envelope, transfer_id=event.transfer_id, budget_id=event.budget_id, la=event.local_authority,
        child_id=event.child_id, stream=event.stream, amount_pence=event.amount_pence, returned=returned)


@consumers.on("contracts.funds_released.v1")
async def on_funds_released(session, envelope: Envelope, settings: BudgetSettings) -> None:
    """Funds released from a block contract into the budget's stream (BUD-08). Refused — with
    ``budget.booking_refused.v1``, after which contracts gives the units back — for no budget of this LA, another
    child's budget, or a closed budget."""
    await _funds(session, envelope, returned=False)


@consumers.on("contracts.funds_returned.v1")
async def on_funds_returned(session, envelope: Envelope, settings: BudgetSettings) -> None:
    await _funds(session, envelope, returned=True)


async def _direct_payment(session, envelope: Envelope, event: DirectPaymentMoney, **how) -> None:
    await money.receive_direct_payment(
        session, envelope, budget_id=event.budget_id, la=event.local_authority, child_id=event.child_id,
        stream=event.stream, amount_pence=event.amount_pence, **how)


@consumers.on("payments.payment_issued.v1")
async def on_payment_issued(session, envelope: Envelope, settings: BudgetSettings) -> None:
    event = read(PaymentIssued, envelope)
    await _direct_payment(session, envelope, event, reference=f"payment:{event.payment_id}", recovered=False,
                          payment_id=event.payment_id)


@consumers.on("payments.recovery_confirmed.v1")
async def on_recovery_confirmed(session, envelope: Envelope, settings: BudgetSettings) -> None:
    event = read(RecoveryConfirmed, envelope)
    await _direct_payment(session, envelope, event, reference=f"recovery:{event.recovery_id}", recovered=True,
                          recovery_id=event.recovery_id)


@consumers.on("payments.repayment_received.v1")
async def on_repayment_received(session, envelope: Envelope, settings: BudgetSettings) -> None:
    """PAY-10: one repayment of overpaid or misused money (a deduction from an instalment, or an invoice
    instalment paid) comes back from spent, once per repayment, as a recovery posting."""
    event = read(RepaymentReceived, envelope)
    await _direct_payment(session, envelope, event, reference=f"repayment:{event.repayment_id}", recovered=True,
                          why="repaid under a repayment plan (PAY-10)", recovery_id=event.recovery_id)


@consumers.on("payments.payment_returned.v1")
async def on_payment_returned(session, envelope: Envelope, settings: BudgetSettings) -> None:
    """A payment the bank returned unpaid comes back from spent (BUD-08), once; a later run pays it again as a new
    payment, booked as spent again."""
    event = read(PaymentReturned, envelope)
    await _direct_payment(session, envelope, event, reference=f"return:{event.payment_id}", recovered=True,
                          why="paid by direct payment and returned unpaid by the bank", kind="payment_return",
                          payment_id=event.payment_id)


class EligibilityHandover(Reader):
    summary: str = ""
    care_leaver: bool = False


class AdulthoodApproaching(Reader):
    child_id: str = Field(min_length=1, max_length=64)
    local_authority: str = Field(pattern=r"^[EWSN]\d{8}$")  # an ONS code; anything else can never be applied
    turns_18_on: date
    handover: EligibilityHandover = EligibilityHandover()


@consumers.on("eligibility.adulthood_approaching.v1")
async def on_adulthood_approaching(session, envelope: Envelope, settings: BudgetSettings) -> None:
    """ELIG-14: eligibility told adult social care that this young person turns 18: prepare the handover of their
    budgets (a young person with no open budget is recorded as such, not dead-lettered)."""
    event = read(AdulthoodApproaching, envelope)
    await handover.prepare(
        session, envelope, la=event.local_authority, child_id=event.child_id, turns_18_on=event.turns_18_on,
        care_leaver=event.handover.care_leaver, eligibility_summary=event.handover.summary)
