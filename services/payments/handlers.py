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
from services.payments.service import budget_events, decisions

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
    await budget_events.agreed(session, event, occurred_at=envelope.occurred_at)


@consumers.on("budget.varied.v1")
async def on_budget_varied(session, envelope: Envelope, settings) -> None:
    """BUD-10: a stream's agreed amount changed after its notice and any reconsideration. An agreement paying more
    than the stream's new direct-payment share is reduced to it from the variation's date, with a notice record
    naming the budget's reasons (the budget service gave the notice)."""
    await budget_events.varied(session, read(BudgetVaried, envelope), occurred_at=envelope.occurred_at)


@consumers.on("budget.closed.v1")
async def on_budget_closed(session, envelope: Envelope, settings) -> None:
    """A budget that closes stops its agreements from that date (PAY-08), each with a notice and a final audit
    due; nothing more is paid from it."""
    await budget_events.closed(session, read(BudgetClosed, envelope), occurred_at=envelope.occurred_at)


@consumers.on("eligibility.request_decided.v1")
async def on_request_decided(session, envelope: Envelope, settings) -> None:
    """A decision on the child's request, or a review superseding one (ELIG-10, ELIG-11). The newest decision per
    child is kept; where it refuses direct payment the child's active agreements are suspended — at once for
    ELIG-07, after written notice otherwise (PAY-08) — and none can be signed or resumed while it stands."""
    event = read(RequestDecided, envelope)
    direct = event.arrangements.get("direct_payment")
    if direct is None:
        return
    await decisions.decided(session, la=event.local_authority, child_id=event.child_id, decision_id=event.decision_id,
                            decided_at=event.decided_at, allowed=direct.allowed,
                            reasons=[r.model_dump() for r in direct.reasons if not direct.allowed],
                            notice_days=settings.refusal_notice_days_for(event.local_authority))
