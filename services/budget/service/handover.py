"""Preparing for adulthood (ELIG-14): when eligibility tells adult social care that a young person turns 18
(``eligibility.adulthood_approaching.v1``), the budget service prepares the handover of the child's budgets; the
summary of one budget is the domain's (``domain/handover.py``), built from the budget's rows when read."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.events import Envelope
from kit.pagination import page_of
from services.budget import repository as repo
from services.budget.domain import handover as rules
from services.budget.domain.ledger import STREAMS
from services.budget.models import Budget, Handover
from services.budget.repository import handover as handovers
from services.budget.service import common, disputes

PREPARED, NO_BUDGET = "prepared", "no_budget"


@dataclass(frozen=True)
class BudgetHandover:
    """One budget's handover summary, and the handover prepared for its child (None until eligibility told)."""

    budget: Budget
    summary: rules.HandoverSummary
    handover: Handover | None

    budget_id = property(lambda self: self.budget.id)
    child_id = property(lambda self: self.budget.child_id)
    local_authority = property(lambda self: self.budget.local_authority)
    turns_18_on = property(lambda self: self.handover.turns_18_on if self.handover else None)
    care_leaver = property(lambda self: bool(self.handover and self.handover.care_leaver))
    prepared_at = property(lambda self: self.handover.prepared_at if self.handover else None)
    eligibility_summary = property(lambda self: self.handover.eligibility_summary if self.handover else None)


@dataclass(frozen=True)
class HandoverListing:
    items: list[Handover]
    next_cursor: str | None


async def prepare(session: AsyncSession, envelope: Envelope, *, la: str, child_id: str, turns_18_on: date,
                  care_leaver: bool, eligibility_summary: str) -> Handover:
    """ELIG-14: record that adult social care was told, with the child's open budgets to hand over (none: recorded
    as ``no_budget``, a business outcome). A later announcement for the same child refreshes the record."""
    open_ids = [b.id for b in await repo.budgets_of_child(session, la, child_id) if b.status != "closed"]
    found = await handovers.handover_of_child(session, la, child_id)
    handover = found or Handover(id=str(uuid.uuid4()), local_authority=la, child_id=child_id)
    handover.turns_18_on, handover.care_leaver = turns_18_on, care_leaver
    handover.eligibility_summary, handover.event_id = eligibility_summary, str(envelope.event_id)
    handover.outcome, handover.budget_ids = (PREPARED if open_ids else NO_BUDGET), open_ids
    handover.prepared_at = common.now()
    return await handovers.add_handover(session, handover)


async def of_budget(session: AsyncSession, budget: Budget) -> BudgetHandover:
    """ELIG-14: the budget's handover summary as it stands now, with the handover prepared for its child if any."""
    handover = await handovers.handover_of_child(session, budget.local_authority, budget.child_id)
    balances = await repo.balances(session, budget.id)
    lines = [rules.ProvisionLine(p.stream, p.description, p.outcome, p.arrangement, p.annual_cost_pence)
             for p in await repo.provisions(session, budget.id)]
    reviews = [rules.ReviewHeld(r.reviewed_on, r.progress or [], r.views_text, r.views_given_by)
               for r in await repo.reviews(session, budget.id)]
    held = []
    for state in await disputes.of_budget(session, budget):
        nxt = state.next_step
        held.append(rules.DisputeHeld(
            dispute_id=state.dispute.id, subject=state.dispute.subject, status=state.dispute.status,
            step=state.current_step, opened_on=state.steps[0].opened_on, next_step=nxt.step,
            next_step_how=nxt.how, next_step_by=nxt.by))
    summary = rules.build(
        budget_status=budget.status, plan_reference=budget.plan_reference, period_start=budget.period_start,
        period_end=budget.period_end,
        streams=[rules.StreamMoney(s, b.agreed_pence, b.released_pence, b.committed_pence, b.spent_pence,
                                   b.available_pence) for s, b in ((s, balances[s]) for s in STREAMS)],
        lines=lines, reviews=reviews, disputes=held, next_review_due=budget.next_review_due,
        next_review_reason=budget.next_review_reason,
        turns_18_on=handover.turns_18_on if handover else None, care_leaver=bool(handover and handover.care_leaver))
    return BudgetHandover(budget, summary, handover)


async def listing(session: AsyncSession, caller: Caller, *, local_authority: str | None, limit: int,
                  cursor: str | None) -> HandoverListing:
    """ELIG-14: the handovers prepared for the caller's LAs (or one of them), most recent first."""
    if local_authority is not None:
        caller.ensure_la(local_authority)
    rows = await handovers.list_handovers(session, caller, local_authority=local_authority, limit=limit,
                                          cursor=cursor)
    page, next_cursor = page_of(rows, limit=limit, created="prepared_at")
    return HandoverListing(page, next_cursor)
