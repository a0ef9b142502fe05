"""Written notices on agreements, and the changes they carry: a suspension when direct payment is refused (at once
for ELIG-07, after notice otherwise: PAY-08), a stop when the budget closes, and a change of amount (BUD-10: an
increase within the agreed share applies at once, a reduction waits for its notice and allows one
reconsideration)."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.db import Database
from kit.errors import Conflict, InvalidInput, RuleViolation
from kit.events import utcnow
from kit.money import pounds
from kit.pagination import keyset_page
from services.payments import repository
from services.payments.domain.notices import at_once, text
from services.payments.models import Agreement, Notice
from services.payments.service import agreements
from services.payments.service.budgets import RULE_AGREED, Share, within_share

OPEN = ("issued", "reconsideration_requested")


def issue(session: AsyncSession, agreement: Agreement, *, kind: str, reasons: list[dict], effective_from: date,
          source: str, status: str = "issued", **extra) -> Notice:
    now = utcnow()
    notice = Notice(id=str(uuid.uuid4()), agreement_id=agreement.id, local_authority=agreement.local_authority,
                    kind=kind, status=status, reasons=reasons, issued_on=clock.today(),
                    effective_from=effective_from, source=source[:120], created_at=now,
                    applied_at=now if status == "effective" else None, **extra)
    session.add(notice)
    return notice


# ------------------------------------------------------------------ direct payment refused (PAY-08)
def refuse(session: AsyncSession, agreement: Agreement, reasons: list[dict], *, notice_days: int,
           source: str) -> Notice | None:
    """A decision refusing direct payment: an active agreement is suspended at once where a rule forbids direct
    payments outright (ELIG-07), otherwise after ``notice_days`` of written notice, during which instalments due
    are still paid. An agreement not yet signed cannot be signed while the refusal stands."""
    if agreement.status != "active":
        return None
    written = [{"rule": "PAY-08", "message": "direct payments stop when the recipient becomes ineligible"},
               *reasons]
    if at_once(reasons):
        agreements.suspend(agreement, f"direct payment refused: {text(reasons)}")
        return issue(session, agreement, kind="suspension", reasons=written, effective_from=clock.today(),
                     source=source, status="effective")
    effective = clock.today() + timedelta(days=notice_days)
    if agreement.pay_before is None or effective < agreement.pay_before:
        agreement.pay_before = effective
    agreement.status_reason = (f"direct payment refused; payments stop on {agreement.pay_before} after notice: "
                               f"{text(reasons)}")
    return issue(session, agreement, kind="suspension", reasons=written, effective_from=agreement.pay_before,
                 source=source)


async def find(session: AsyncSession, agreement_id: str, notice_id: str) -> Notice:
    """A notice on the agreement (404 otherwise), locked to change it."""
    return await repository.notice(session, agreement_id, notice_id)


async def listed(session: AsyncSession, agreement_id: str, *, limit: int,
                 cursor: str | None) -> tuple[list[Notice], str | None]:
    """A page of the agreement's notices, oldest first, and the next page's cursor."""
    rows = await repository.notices_page(session, agreement_id, limit=limit, cursor=cursor)
    return keyset_page(rows, limit=limit, keys=repository.NOTICES_ORDER)


async def allow(session: AsyncSession, agreement: Agreement) -> None:
    """A newer decision allows direct payment again: a suspension still in its notice is withdrawn (one already in
    force stays until casework resumes the agreement)."""
    pending = [n for n in await repository.notices(session, agreement.id)
               if n.kind == "suspension" and n.status == "issued"]
    for notice in pending:
        notice.status = "withdrawn"
    if pending:
        agreement.pay_before = None
        agreement.status_reason = "direct payment allowed again by a newer eligibility decision"


# ------------------------------------------------------------------ changes of amount (BUD-10)
async def change_amount(session: AsyncSession, agreement: Agreement, found: Share | None, *, annual_pence: int,
                        reasons: str | None, effective_from: date | None, reconsideration_days: int,
                        by: str) -> Notice:
    """An increase within the agreed direct-payment share applies at once; a reduction is a written notice with
    reasons that applies only after the family's reconsideration window (or the reconsideration's decision)."""
    agreements.lifecycle(agreement).changeable()
    current = agreement.annual_amount_pence
    if annual_pence == current:
        raise InvalidInput.field("annual_amount_pence", f"the agreement is already {pounds(current)} a year")
    today = clock.today()
    if annual_pence > current:
        refusal = within_share(found, annual_pence)
        if refusal:
            raise RuleViolation(refusal, rule=RULE_AGREED,
                                errors=[{"field": "annual_amount_pence", "message": refusal}])
        start = max(effective_from or today, agreement.start_date)
        await agreements.change_amount(session, agreement, annual_pence=annual_pence, effective_from=start)
        reason = reasons or "increased within the direct-payment share the panel agreed"
        return issue(session, agreement, kind="increase", status="effective", effective_from=start,
                     reasons=[{"rule": "PAY-03", "message": reason}], from_pence=current, to_pence=annual_pence,
                     source=f"casework:{by}")
    if not reasons:
        raise InvalidInput.field("reasons", "a reduction needs written reasons", rule="BUD-10")
    if any(n.kind == "reduction" and n.status in OPEN for n in await repository.notices(session, agreement.id)):
        raise Conflict("a reduction of this agreement is already under notice", rule="BUD-10")
    reconsider_by = today + timedelta(days=reconsideration_days)
    effective = max(effective_from or today, reconsider_by + timedelta(days=1))
    return issue(session, agreement, kind="reduction", effective_from=effective,
                 reasons=[{"rule": "BUD-10", "message": reasons}], from_pence=current, to_pence=annual_pence,
                 reconsider_by=reconsider_by, source=f"casework:{by}")


def ask_reconsideration(notice: Notice, reason: str) -> None:
    """The family's one reconsideration of a reduction, asked while its notice stands (BUD-10)."""
    if notice.kind != "reduction" or notice.status != "issued":
        raise RuleViolation("a reduction allows one reconsideration, asked while its notice stands", rule="BUD-10")
    if clock.today() > notice.reconsider_by:
        raise RuleViolation(f"the window to ask for reconsideration closed on {notice.reconsider_by}", rule="BUD-10")
    notice.status, notice.reconsideration_reason = "reconsideration_requested", reason


async def decide_reconsideration(session: AsyncSession, agreement: Agreement, notice: Notice, *, outcome: str,
                                 reason: str) -> None:
    """``upheld``: the reduction stands and applies from its date (or at once, if that has passed);
    ``overturned``: it is withdrawn and the amount stays."""
    if notice.status != "reconsideration_requested":
        raise Conflict("no reconsideration of this notice is waiting for a decision")
    notice.reconsideration_outcome = outcome
    notice.reasons = [*notice.reasons, {"rule": "BUD-10", "message": f"reconsideration {outcome}: {reason}"}]
    if outcome == "upheld":
        notice.status = "issued"  # applied by the job on its date, like one never reconsidered
        if notice.effective_from <= clock.today():
            await _apply(session, agreement, notice)
    else:
        notice.status = "withdrawn"


async def _apply(session: AsyncSession, agreement: Agreement, notice: Notice) -> None:
    if notice.kind == "reduction" and agreement.status != "stopped":
        await agreements.change_amount(session, agreement, annual_pence=notice.to_pence,
                                       effective_from=max(notice.effective_from, agreement.start_date))
    elif notice.kind == "suspension" and agreement.status == "active":
        agreements.suspend(agreement, f"suspended after notice: {text(notice.reasons)}")
    notice.status, notice.applied_at = "effective", utcnow()


async def apply_due_notices(db: Database, settings: object, *, batch: int = 100) -> int:
    """The scheduled job (kit.jobs): put into effect every notice whose date has come — a suspension after its
    notice (PAY-08), a reduction whose reconsideration window closed without a request or whose reconsideration
    upheld it (BUD-10). Safe in several replicas at once (SKIP LOCKED) and to run again."""
    applied = 0
    while True:
        async with db.transaction() as session:
            due = await repository.due_notices(session, today=clock.today(), limit=batch)
            for notice in due:
                await _apply(session, await repository.agreement_by_id(session, notice.agreement_id), notice)
                applied += 1
        if len(due) < batch:
            return applied
