"""What payments knows of agreed budgets, and the checks an agreement must pass against it: no agreement without
an agreed budget, never more than the direct-payment share the panel agreed for the stream, dates within the plan
period (BUD-05, BUD-06, BUD-08, PAY-01, PAY-03). Fed by the budget service's events; never asked over HTTP, so a
payment run does not depend on the budget service being up."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kit.errors import InvalidInput, RuleViolation
from kit.money import pounds
from services.payments import repository
from services.payments.models import AgreedBudget, AgreedStream

RULE_AGREED = "BUD-06"  # the panel agrees each stream's money; payments pays only what it agreed


@dataclass(frozen=True)
class Share:
    """A stream's direct-payment share: what the panel agreed may be paid as direct payments, a year."""

    budget: AgreedBudget
    stream: str
    agreed_pence: int
    direct_payment_pence: int

    @property
    def cap_pence(self) -> int:
        return min(self.agreed_pence, self.direct_payment_pence)


async def record_agreed(session: AsyncSession, p: dict, *, occurred_at: datetime) -> AgreedBudget | None:
    """budget.agreed.v1: the budget, its plan period and each stream's agreed amount and direct-payment share.
    An older event arriving after a newer one changes nothing (None)."""
    budget = await repository.agreed_budget(session, p["budget_id"], lock=True)
    if budget is None:
        budget = AgreedBudget(budget_id=p["budget_id"], status="agreed", as_of=occurred_at)
        session.add(budget)
    elif budget.as_of > occurred_at:
        return None
    budget.local_authority, budget.child_id = p["local_authority"], p["child_id"]
    budget.plan_reference = p.get("plan_reference")
    budget.period_start = date.fromisoformat(p["period_start"])
    budget.period_end = date.fromisoformat(p["period_end"])
    budget.as_of = occurred_at
    for stream, amounts in p.get("streams", {}).items():
        await _set_stream(session, budget.budget_id, stream, agreed=int(amounts.get("agreed_pence") or 0),
                          direct=int(amounts.get("direct_payment_pence") or 0))
    await session.flush()
    return budget


async def record_varied(session: AsyncSession, p: dict, *, occurred_at: datetime) -> Share | None:
    """budget.varied.v1: a stream's agreed amount (and direct-payment share, when the event carries it) after a
    variation (BUD-10). None if payments does not know the budget (its agreement is still on its way)."""
    budget = await repository.agreed_budget(session, p["budget_id"], lock=True)
    if budget is None:
        return None
    stream = p["stream"]
    row = await repository.agreed_stream(session, budget.budget_id, stream)
    direct = p.get("direct_payment_pence")
    agreed = int(p["agreed_pence"])
    if direct is None:  # an older producer: the share cannot be more than the stream's agreed amount
        direct = min(row.direct_payment_pence if row is not None else 0, agreed)
    await _set_stream(session, budget.budget_id, stream, agreed=agreed, direct=int(direct))
    budget.as_of = max(budget.as_of, occurred_at)
    await session.flush()
    return await share(session, budget.budget_id, stream)


async def record_closed(session: AsyncSession, p: dict, *, occurred_at: datetime) -> AgreedBudget | None:
    budget = await repository.agreed_budget(session, p["budget_id"], lock=True)
    if budget is None:
        return None
    budget.status, budget.closed_on = "closed", date.fromisoformat(p["closed_on"])
    budget.as_of = max(budget.as_of, occurred_at)
    await session.flush()
    return budget


async def _set_stream(session: AsyncSession, budget_id: str, stream: str, *, agreed: int, direct: int) -> None:
    row = await repository.agreed_stream(session, budget_id, stream)
    if row is None:
        session.add(AgreedStream(budget_id=budget_id, stream=stream, agreed_pence=agreed,
                                 direct_payment_pence=direct))
    else:
        row.agreed_pence, row.direct_payment_pence = agreed, direct


async def share(session: AsyncSession, budget_id: str, stream: str) -> Share | None:
    budget = await repository.agreed_budget(session, budget_id)
    if budget is None:
        return None
    row = await repository.agreed_stream(session, budget_id, stream)
    return Share(budget, stream, row.agreed_pence if row else 0, row.direct_payment_pence if row else 0)


async def streams_with_share(session: AsyncSession, budget_id: str) -> list[str]:
    return [r.stream for r in await repository.agreed_streams(session, budget_id) if r.direct_payment_pence > 0]


async def check_opening(session: AsyncSession, *, la: str, budget_id: str | None, child_id: str,
                        stream: str | None, annual_pence: int, start: date, end: date) -> tuple[str, AgreedBudget]:
    """An agreement may be opened only against an agreed budget of this LA and child, for a stream whose agreed
    direct-payment share covers its annual amount, within the plan period. Returns the stream (inferred when the
    budget has a single direct-payment stream) and the budget; refusals name their field and rule."""
    if budget_id is None:
        raise InvalidInput.field("budget_id", "a direct-payment agreement pays from an agreed budget: name it",
                                 rule="PAY-01")
    budget = await repository.agreed_budget(session, budget_id)
    if budget is None or budget.local_authority != la:  # another LA's budget is not revealed
        raise RuleViolation(
            f"no agreed budget {budget_id} is known to payments: the budget is not agreed yet (BUD-06), or its "
            "agreement (budget.agreed.v1) has not reached payments yet; try again once it is agreed",
            rule=RULE_AGREED, errors=[{"field": "budget_id", "message": "not an agreed budget known to payments"}])
    if budget.child_id != child_id:
        raise RuleViolation(f"budget {budget_id} is not the budget of child {child_id}", rule="PAY-01",
                            errors=[{"field": "child_id", "message": "not the child of this budget"}])
    if budget.status == "closed":
        raise RuleViolation(f"budget {budget_id} closed on {budget.closed_on}: nothing more is paid from it",
                            rule="PAY-08", errors=[{"field": "budget_id", "message": "the budget is closed"}])
    if stream is None:
        streams = await streams_with_share(session, budget_id)
        if len(streams) != 1:
            raise InvalidInput.field("stream", "name the budget stream paid: the panel agreed direct payments on "
                                     f"{', '.join(streams) or 'no stream'} of this budget", rule=RULE_AGREED)
        stream = streams[0]
    found = await share(session, budget_id, stream)
    if found is None or found.cap_pence <= 0:
        raise RuleViolation(f"the panel agreed no direct payment on the {stream} stream of budget {budget_id}",
                            rule=RULE_AGREED, errors=[{"field": "stream", "message": "no agreed direct-payment share"}])
    if annual_pence > found.cap_pence:
        raise RuleViolation(
            f"{pounds(annual_pence)} a year is more than the {pounds(found.cap_pence)} the panel "
            f"agreed as direct payments on the {stream} stream", rule=RULE_AGREED,
            errors=[{"field": "annual_amount_pence", "message": f"at most {found.cap_pence}"}])
    if not budget.period_start <= start <= budget.period_end:
        raise RuleViolation(f"start_date {start} is outside the plan period {budget.period_start} to "
                            f"{budget.period_end}", rule="PAY-03",
                            errors=[{"field": "start_date", "message": "within the plan period"}])
    if end > budget.period_end:
        raise RuleViolation(f"end_date {end} is after the plan period ends ({budget.period_end})", rule="PAY-03",
                            errors=[{"field": "end_date", "message": f"on or before {budget.period_end}"}])
    return stream, budget


def within_share(found: Share | None, annual_pence: int) -> str | None:
    """Why ``annual_pence`` a year may not be paid on this share (None: it may)."""
    if found is None:
        return "payments knows no agreed budget for this agreement"
    if found.budget.status == "closed":
        return f"the budget closed on {found.budget.closed_on}"
    if annual_pence > found.cap_pence:
        return (f"{pounds(annual_pence)} a year is more than the {pounds(found.cap_pence)} the panel "
                f"agreed as direct payments on the {found.stream} stream")
    return None
