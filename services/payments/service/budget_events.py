"""What the budget service's events change here (BUD-06, BUD-10, PAY-01, PAY-03, PAY-08): each runs in the inbox's
transaction of the event (``handlers.py`` reads the payload and calls one of these)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from services.payments import repository
from services.payments.domain.notices import text
from services.payments.service import agreements, budgets, notices


async def agreed(session: AsyncSession, event, *, occurred_at: datetime) -> None:
    """``budget.agreed.v1``: remember the agreed budget, then open one agreement awaiting signature per stream with
    a direct-payment share (PAY-01), for the plan period; a stream agreed again with another share re-plans its
    agreement's unpaid instalments (PAY-03)."""
    budget = await budgets.record_agreed(session, event.model_dump(mode="json"), occurred_at=occurred_at)
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


async def varied(session: AsyncSession, event, *, occurred_at: datetime) -> None:
    """``budget.varied.v1`` (BUD-10): an agreement paying more than its stream's new direct-payment share is reduced
    to it from the variation's date, with a notice record naming the budget's reasons (the budget gave notice)."""
    share = await budgets.record_varied(session, event.model_dump(mode="json"), occurred_at=occurred_at)
    if share is None:
        return
    agreement = await repository.agreement_for_stream(session, event.budget_id, event.stream)
    if agreement is None or agreement.status == "stopped" or agreement.annual_amount_pence <= share.cap_pence:
        return
    effective = max(event.effective_from or occurred_at.date(), agreement.start_date)
    previous = agreement.annual_amount_pence
    await agreements.change_amount(session, agreement, annual_pence=share.cap_pence, effective_from=effective)
    notices.issue(session, agreement, kind="reduction", status="effective", effective_from=effective,
                  reasons=[{"rule": "BUD-10", "message": f"the budget was varied: {event.reasons}"}],
                  from_pence=previous, to_pence=share.cap_pence, source=f"budget:{event.variation_id}")


async def closed(session: AsyncSession, event, *, occurred_at: datetime) -> None:
    """``budget.closed.v1`` (PAY-08): its agreements stop from that date, each with a notice and a final audit
    due; nothing more is paid from it."""
    if await budgets.record_closed(session, event.model_dump(mode="json"), occurred_at=occurred_at) is None:
        return
    reasons = [{"rule": "PAY-08", "message": f"the budget closed on {event.closed_on}: {event.reason}"}]
    for agreement in await repository.agreements_of_budget(session, event.budget_id, lock=True):
        if agreement.status == "stopped":
            continue
        agreements.stop(agreement, reason_code="budget_closed", reason=text(reasons))
        notices.issue(session, agreement, kind="stop", status="effective", effective_from=event.closed_on,
                      reasons=reasons, source=f"budget:{event.budget_id}")
