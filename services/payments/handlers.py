"""Events the payments service consumes from others, read through its own minimal models. Each handler runs in
the inbox's transaction: what it changes commits with the inbox row, or nothing does. A payload that can never be
read is dead-lettered at once; a business outcome (an agreement stopped, a reduction) is recorded, never a dead
letter."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from kit.bus import PoisonMessage
from kit.events import Envelope
from kit.inbox import Consumers, Reader, read
from services.payments import clock, repository
from services.payments.models import DirectPaymentDecision
from services.payments.service import agreements, budgets, notices

consumers = Consumers()
STREAM = "^(education|health|social_care|transport)$"




class StreamAmounts(Reader):
    agreed_pence: int = Field(0, ge=0)
    direct_payment_pence: int = Field(0, ge=0)


class BudgetAgreed(Reader):
    budget_id: str = Field(min_length=1, max_length=36)
    child_id: str = Field(min_length=1, max_length=64)
    local_authority: str = Field(pattern=r"^E\d{8}$")
    plan_reference: str | None = Field(None, max_length=200)
    period_start: date
    period_end: date
    streams: dict[str, StreamAmounts] = {}


class BudgetVaried(Reader):
    budget_id: str
    variation_id: str = ""
    stream: str = Field(pattern=STREAM)
    agreed_pence: int = Field(ge=0)
    direct_payment_pence: int | None = Field(None, ge=0)
    reasons: str = ""
    effective_from: date | None = None


class BudgetClosed(Reader):
    budget_id: str
    closed_on: date
    reason: str = "the budget closed"


class Reason(Reader):
    rule: str = ""
    message: str = ""


class ArrangementOutcome(Reader):
    allowed: bool
    reasons: list[Reason] = []


class RequestDecided(Reader):
    decision_id: str = Field("", max_length=64)
    child_id: str = Field(min_length=1, max_length=64)
    local_authority: str = Field(pattern=r"^E\d{8}$")
    arrangements: dict[str, ArrangementOutcome] = {}
    decided_at: datetime


@consumers.on("budget.agreed.v1")
async def on_budget_agreed(session, envelope: Envelope, settings) -> None:
    """Remember the agreed budget (its period and each stream's direct-payment share), then open one agreement
    awaiting signature per stream with a direct-payment share (PAY-01), for the plan period. A budget agreed again
    with another share re-plans that agreement's unpaid instalments (PAY-03). The inbox makes a redelivery a no-op
    and the unique (budget, stream) makes a second agreement for the same stream impossible."""
    event = read(BudgetAgreed, envelope)
    if event.period_end < event.period_start:
        raise PoisonMessage("budget.agreed.v1: period_end is before period_start")
    budget = await budgets.record_agreed(session, event.model_dump(mode="json"), occurred_at=envelope.occurred_at)
    if budget is None:
        return  # an older agreement arriving after a newer one
    for stream, amounts in sorted(event.streams.items()):
        annual = min(amounts.direct_payment_pence, amounts.agreed_pence)
        existing = await repository.agreement_for_stream(session, event.budget_id, stream)
        if existing is not None:
            if existing.annual_amount_pence != annual and existing.status != "stopped":
                await agreements.change_amount(session, existing, annual_pence=annual,
                                               effective_from=max(clock.today(), existing.start_date))
            continue
        if annual > 0 and budget.status != "closed":
            await agreements.open_agreement(
                session, la=event.local_authority, budget_id=event.budget_id, child_id=event.child_id,
                stream=stream, annual_pence=annual, frequency="four_weekly", start=event.period_start,
                end=event.period_end,
                purpose=f"Direct payment for the agreed {stream.replace('_', ' ')} provision of plan "
                        f"{event.plan_reference or event.budget_id}", opened_from="event")


@consumers.on("budget.varied.v1")
async def on_budget_varied(session, envelope: Envelope, settings) -> None:
    """BUD-10: a stream's agreed amount changed after its notice and any reconsideration. An agreement paying more
    than the stream's new direct-payment share is reduced to it from the variation's date, with a notice record
    naming the budget's reasons (the budget service gave the notice)."""
    event = read(BudgetVaried, envelope)
    share = await budgets.record_varied(session, event.model_dump(mode="json"), occurred_at=envelope.occurred_at)
    if share is None:
        return
    agreement = await repository.agreement_for_stream(session, event.budget_id, event.stream)
    if agreement is None or agreement.status == "stopped" or agreement.annual_amount_pence <= share.cap_pence:
        return
    effective = max(event.effective_from or envelope.occurred_at.date(), agreement.start_date)
    previous = agreement.annual_amount_pence
    await agreements.change_amount(session, agreement, annual_pence=share.cap_pence, effective_from=effective)
    notices.issue(session, agreement, kind="reduction", status="effective", effective_from=effective,
                  reasons=[{"rule": "BUD-10", "message": f"the budget was varied: {event.reasons}"}],
                  from_pence=previous, to_pence=share.cap_pence, source=f"budget:{event.variation_id}")


@consumers.on("budget.closed.v1")
async def on_budget_closed(session, envelope: Envelope, settings) -> None:
    """A budget that closes stops its agreements from that date (PAY-08), each with a notice and a final audit
    due; nothing more is paid from it."""
    event = read(BudgetClosed, envelope)
    if await budgets.record_closed(session, event.model_dump(mode="json"), occurred_at=envelope.occurred_at) is None:
        return
    reasons = [{"rule": "PAY-08", "message": f"the budget closed on {event.closed_on}: {event.reason}"}]
    for agreement in await repository.agreements_of_budget(session, event.budget_id, lock=True):
        if agreement.status == "stopped":
            continue
        agreements.stop(agreement, reason_code="budget_closed", reason=notices.text(reasons))
        notices.issue(session, agreement, kind="stop", status="effective", effective_from=event.closed_on,
                      reasons=reasons, source=f"budget:{event.budget_id}")


@consumers.on("eligibility.request_decided.v1")
async def on_request_decided(session, envelope: Envelope, settings) -> None:
    """A decision on the child's request, or a review superseding one (ELIG-10, ELIG-11). The newest decision per
    child is kept; where it refuses direct payment the child's active agreements are suspended — at once for
    ELIG-07, after written notice otherwise (PAY-08) — and none can be signed or resumed while it stands."""
    event = read(RequestDecided, envelope)
    direct = event.arrangements.get("direct_payment")
    if direct is None:
        return
    held = await repository.direct_payment_decision(session, event.local_authority, event.child_id, lock=True)
    if held is not None and held.decided_at > event.decided_at:
        return  # an older decision arriving late does not replace a newer one
    reasons = [r.model_dump() for r in direct.reasons if not direct.allowed]
    if held is None:
        held = DirectPaymentDecision(local_authority=event.local_authority, child_id=event.child_id)
        session.add(held)
    held.decision_id, held.decided_at, held.allowed, held.reasons = (
        event.decision_id, event.decided_at, direct.allowed, reasons)
    await session.flush()
    days = settings.refusal_notice_days_for(event.local_authority)
    for agreement in await repository.agreements_of_child(session, event.local_authority, event.child_id):
        if direct.allowed:
            await notices.allow(session, agreement)
        else:
            notices.refuse(session, agreement, reasons, notice_days=days,
                           source=f"eligibility:{event.decision_id}")
