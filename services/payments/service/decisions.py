"""Eligibility decisions on direct payment (PAY-08; ELIG-06, ELIG-07, ELIG-09, ELIG-10, ELIG-11): the newest per
child is kept, and a refusal suspends the child's active agreements — at once for ELIG-07, after written notice
otherwise — while none can be signed or resumed (``agreements.ensure_payable``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.payments import repository
from services.payments.models import DirectPaymentDecision
from services.payments.service import notices


async def decided(session: AsyncSession, *, la: str, child_id: str, decision_id: str, decided_at: datetime,
                  allowed: bool, reasons: list[dict], notice_days: int) -> None:
    """A decision on the child's request, or a review superseding one: an older decision arriving late does not
    replace a newer one."""
    held = await repository.direct_payment_decision(session, la, child_id, lock=True)
    if held is not None and held.decided_at > decided_at:
        return
    if held is None:
        held = DirectPaymentDecision(local_authority=la, child_id=child_id)
        session.add(held)
    held.decision_id, held.decided_at, held.allowed, held.reasons = decision_id, decided_at, allowed, reasons
    await session.flush()
    for agreement in await repository.agreements_of_child(session, la, child_id):
        if allowed:
            await notices.allow(session, agreement)
        else:
            notices.refuse(session, agreement, reasons, notice_days=notice_days, source=f"eligibility:{decision_id}")
