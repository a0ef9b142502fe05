"""Disputes of a budget's amount or contents (BUD-13): open one, decide its current step, take the next step. The
order of the steps and what each decision leaves open to the family are the domain's (``domain/disputes.py``);
here each change is written with its ``budget.dispute_updated.v1`` in the same transaction. Money never moves here:
an upheld change of the amount is a variation or a panel decision, which a decision names."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kit.errors import InvalidInput, RuleViolation
from kit.outbox import add_event
from kit.refusals import as_problem
from services.budget import events
from services.budget import repository as repo
from services.budget.domain import disputes as rules
from services.budget.models import Budget, Dispute, DisputeStep, Variation
from services.budget.service import common

UNDECIDED = ("draft", "indicative")  # nothing has been decided on such a budget yet


@dataclass(frozen=True)
class DisputeState:
    """A dispute with its steps in order, and what is open to the family now (BUD-13)."""

    dispute: Dispute
    steps: list[DisputeStep]

    @property
    def next_step(self) -> rules.NextStep:
        return rules.next_step(_as_rules(self.steps))

    @property
    def current_step(self) -> str:
        return self.steps[-1].step


def _as_rules(steps: list[DisputeStep]) -> list[rules.Step]:
    return [rules.Step(s.step, s.opened_on, s.decided_on, s.outcome) for s in steps]


async def _variation(session: AsyncSession, budget: Budget, variation_id: str | None) -> Variation | None:
    if variation_id is None:
        return None
    for v in await repo.variations(session, budget.id):
        if v.id == variation_id:
            return v
    raise InvalidInput.field("variation_id", f"this budget has no variation {variation_id}", rule=rules.RULE)


async def _panel_decision(session: AsyncSession, budget: Budget, decision_id: str | None) -> None:
    if decision_id is not None and await repo.panel_decision(session, budget.id, decision_id) is None:
        raise InvalidInput.field("panel_decision_id", f"this budget has no panel decision {decision_id}",
                                 rule=rules.RULE)


async def open_dispute(session: AsyncSession, budget: Budget, *, subject: str, details: str, raised_by: str,
                       opened_on: date | None, starts_at: str, variation_id: str | None,
                       panel_decision_id: str | None, by: str) -> DisputeState:
    """The family disputes the budget's amount or contents: a reconsideration by the LA opens (or a return to panel,
    when the LA already reconsidered the reduction disputed, BUD-10)."""
    if budget.status in UNDECIDED:
        raise RuleViolation(f"the budget is {budget.status}: nothing has been decided on it yet to dispute; a dispute "
                            "follows a panel decision, an agreement or a variation", rule=rules.RULE)
    variation = await _variation(session, budget, variation_id)
    await _panel_decision(session, budget, panel_decision_id)
    reconsidered = variation is not None and variation.reconsideration_outcome == "upheld"
    pending = variation is not None and variation.kind == "reduction" and variation.status in (
        "notice_issued", "reconsideration_requested")
    if refusal := rules.refuse_start(starts_at, reconsidered=reconsidered, reduction_pending=pending):
        raise as_problem(refusal)
    today, now = common.today(), common.now()
    dispute = Dispute(id=str(uuid.uuid4()), budget_id=budget.id, subject=subject, details=details,
                      raised_by=raised_by, variation_id=variation_id, panel_decision_id=panel_decision_id,
                      status="open", recorded_by=by, created_at=now, updated_at=now)
    steps = []
    if reconsidered:  # the reduction's one reconsideration (BUD-10) was this dispute's first step
        decided_on = (variation.applied_at or now).date()
        steps.append(DisputeStep(
            id=str(uuid.uuid4()), dispute_id=dispute.id, seq=1, step="reconsideration",
            opened_on=min(variation.notice_issued_on, decided_on), reason=variation.reconsideration_reason or "",
            opened_by=by, decided_on=decided_on, outcome="not_upheld",
            reasons=f"The reduction was upheld on reconsideration (BUD-10): {variation.reasons}",
            decided_by="the local authority (reconsideration of the reduction)", recorded_by=by,
            variation_id=variation.id))
    opened = opened_on or today
    if steps and opened < steps[-1].decided_on:
        raise InvalidInput.field("opened_on", f"the reconsideration was decided on {steps[-1].decided_on}: the "
                                              "panel step opens on or after that day", rule=rules.RULE)
    steps.append(DisputeStep(id=str(uuid.uuid4()), dispute_id=dispute.id, seq=len(steps) + 1, step=starts_at,
                             opened_on=opened, reason=details, opened_by=by))
    session.add(dispute)
    await session.flush()
    session.add_all(steps)
    return await _changed(session, budget, DisputeState(dispute, steps), "opened")


async def decide(session: AsyncSession, budget: Budget, dispute: Dispute, *, outcome: str, reasons: str,
                 decided_by: str, decided_on: date | None, variation_id: str | None, panel_decision_id: str | None,
                 by: str) -> DisputeState:
    """Record the decision of the dispute's current step (BUD-13): once, with reasons and who decided; an upheld
    change of the amount names the variation or panel decision that made it."""
    state = await _state(session, dispute)
    decided = decided_on or common.today()
    linked = variation_id is not None or panel_decision_id is not None
    if refusal := rules.refuse_decision(_as_rules(state.steps), subject=dispute.subject, outcome=outcome,
                                        decided_on=decided, linked=linked):
        raise as_problem(refusal)
    await _variation(session, budget, variation_id)
    await _panel_decision(session, budget, panel_decision_id)
    step = state.steps[-1]
    step.decided_on, step.outcome, step.reasons, step.decided_by = decided, outcome, reasons, decided_by
    step.recorded_by, step.variation_id, step.panel_decision_id = by, variation_id, panel_decision_id
    return await _changed(session, budget, state, "decided")


async def escalate(session: AsyncSession, budget: Budget, dispute: Dispute, *, to: str, reason: str,
                   opened_on: date | None, by: str) -> DisputeState:
    """The family takes the next step (BUD-13): only the very next one, once the current one is decided and did
    not uphold the dispute."""
    state = await _state(session, dispute)
    opened = opened_on or common.today()
    if refusal := rules.refuse_escalation(_as_rules(state.steps), to, opened_on=opened):
        raise as_problem(refusal)
    step = DisputeStep(id=str(uuid.uuid4()), dispute_id=dispute.id, seq=len(state.steps) + 1, step=to,
                       opened_on=opened, reason=reason, opened_by=by)
    session.add(step)
    return await _changed(session, budget, DisputeState(dispute, [*state.steps, step]), "escalated")


async def _changed(session: AsyncSession, budget: Budget, state: DisputeState, change: str) -> DisputeState:
    dispute = state.dispute
    dispute.status, dispute.updated_at = rules.status(_as_rules(state.steps)), common.now()
    await session.flush()
    await add_event(session, events.dispute_updated(
        budget, dispute_id=dispute.id, change=change, subject=dispute.subject, status=dispute.status,
        step=state.steps[-1], next_step=state.next_step))
    return state


async def _state(session: AsyncSession, dispute: Dispute) -> DisputeState:
    return DisputeState(dispute, await repo.dispute_steps(session, [dispute.id]))


async def find(session: AsyncSession, budget: Budget, dispute_id: str) -> Dispute:
    """The budget's dispute, or 404."""
    return await repo.dispute(session, budget.id, dispute_id)


async def one(session: AsyncSession, budget: Budget, dispute_id: str) -> DisputeState:
    return await _state(session, await find(session, budget, dispute_id))


async def of_budget(session: AsyncSession, budget: Budget) -> list[DisputeState]:
    """Every dispute of the budget, oldest first, with its steps."""
    found = await repo.disputes(session, budget.id)
    steps = await repo.dispute_steps(session, [d.id for d in found])
    return [DisputeState(d, [s for s in steps if s.dispute_id == d.id]) for d in found]
