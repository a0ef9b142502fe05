"""Provision, panel and agreement (BUD-02, BUD-03, BUD-05, BUD-06, ELIG-09)."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncSession

from kit.db import Database
from kit.errors import Conflict, RuleViolation
from kit.outbox import add_event
from kit.refusals import refused
from services.budget import events
from services.budget import repository as repo
from services.budget.domain import stages
from services.budget.domain.budget import (
    Line,
    StreamDecision,
    agreement_refusals,
    cost_by_stream,
    pounds,
    refuse_for_eligibility,
    refuse_line,
    refuse_line_after_agreement,
)
from services.budget.domain.ledger import STREAMS, agree
from services.budget.domain.reviews import DEFAULT_REVIEW_CADENCE
from services.budget.models import Budget, PanelDecision, Provision
from services.budget.service import common, reviews
from services.budget.service.health import health_funded
from services.budget.settings import BudgetSettings

EDITABLE = stages.EDITABLE


async def add_provision(session: AsyncSession, budget: Budget, line: Line, *, description: str,
                        contract_id: str | None) -> Provision:
    """Add a costed provision line tied to an outcome. Refusals name their rule."""
    refusal = refuse_line(line) or refuse_for_eligibility(line, await _eligibility(session, budget))
    if refusal is not None:
        raise common.violation(refusal)
    if budget.status == "agreed":
        # After agreement a line may be added only if the stream's agreed amount still covers it (BUD-05).
        lines = [common.line_of(p) for p in await repo.provisions(session, budget.id)]
        agreed = (await repo.balances(session, budget.id))[line.stream].agreed_pence
        if uncovered := refuse_line_after_agreement(lines, line, agreed):
            raise common.violation(uncovered)
    elif budget.status not in EDITABLE:
        raise Conflict(f"provision cannot be added while the budget is {budget.status}")
    provision = Provision(
        id=str(uuid.uuid4()),
        budget_id=budget.id,
        description=description,
        outcome=line.outcome,
        stream=line.stream,
        category=line.category,
        annual_cost_pence=line.annual_cost_pence,
        arrangement=line.arrangement,
        on_setting_premises=line.on_setting_premises,
        setting_agreement=line.setting_agreement,
        funding_source=line.funding_source,
        head_agreement=line.head_agreement,
        contract_id=contract_id,
        created_at=common.now(),
    )
    session.add(provision)
    await session.flush()
    # CON-10: contracts learns which block contract serves the child, in the line's transaction.
    await add_event(session, events.provision_added(budget, provision))
    return provision


async def _eligibility(session: AsyncSession, budget: Budget) -> dict | None:
    """The CYP's latest eligibility decision, as the eligibility service published it (None if none arrived)."""
    child = await repo.child(session, budget.local_authority, budget.child_id)
    return child.eligibility if child is not None else None


async def submit(session: AsyncSession, budget: Budget) -> None:
    """Send the budget to panel (BUD-06 stages): it needs at least one provision line."""
    with refused(stages.StageRefused):
        budget.status = stages.submitted(budget.status,
                                         provision_lines=len(await repo.provisions(session, budget.id)))


async def decide(
    session: AsyncSession,
    budget: Budget,
    settings: BudgetSettings,
    *,
    stream: str,
    decision: str,
    agreed_pence: int,
    decided_by: str,
    authority: str,
) -> PanelDecision:
    """Record one stream's panel decision; an approval above the decider's limit is escalated (BUD-06)."""
    with refused(stages.StageRefused):
        ruling = stages.panel_ruling(
            budget.status, stream=stream, requested=decision, agreed_pence=agreed_pence,
            indicative_pence=(await repo.balances(session, budget.id))[stream].indicative_pence,
            authority=authority, limit_pence=settings.limit_for(budget.local_authority, stream, authority),
            decided_by=decided_by)
    previous = await repo.panel_decisions(session, budget.id)
    recorded = PanelDecision(id=str(uuid.uuid4()), budget_id=budget.id, seq=len(previous) + 1,
                             decided_at=common.now(), **asdict(ruling))
    session.add(recorded)
    await session.flush()
    return recorded


async def agree_budget(session: AsyncSession, budget: Budget, *,
                       review_cadence: Sequence[int] = DEFAULT_REVIEW_CADENCE) -> None:
    """Agree the budget: every stream with provision approved and sufficient (BUD-05, BUD-06); the first review
    falls due at the LA's ``review_cadence`` (BUD-09, BUD-12)."""
    with refused(stages.StageRefused):
        status = stages.agreed(budget.status)
    lines = [common.line_of(p) for p in await repo.provisions(session, budget.id)]
    costs = cost_by_stream(lines)
    latest = common.latest_decisions(await repo.panel_decisions(session, budget.id))
    balances = await repo.balances(session, budget.id)
    targets = {s: d.agreed_pence for s, d in latest.items() if d.decision == "approved"}
    if await health_funded(session, budget):
        # The ICB funds the health stream (BUD-07): its amount stands; the panel approves provision
        # against it.
        targets["health"] = balances["health"].agreed_pence
    decision = await _eligibility(session, budget)
    # A decision reviewed since the provision was written (ELIG-10) can rule lines out: agreement waits for them.
    refusals = [r for r in (refuse_for_eligibility(line, decision) for line in lines) if r is not None]
    refusals += agreement_refusals(
        costs, {s: StreamDecision(d.decision, d.agreed_pence) for s, d in latest.items()}, targets
    )
    if refusals:
        first = refusals[0]
        raise RuleViolation(
            first.message,
            rule=first.rule,
            stream=first.stream,
            refusals=[{"rule": r.rule, "stream": r.stream, "message": r.message} for r in refusals],
        )
    now = common.now()
    await repo.post(
        session,
        budget.id,
        [
            agree(
                s,
                targets[s] - balances[s].agreed_pence,
                f"Agreed {s.replace('_', ' ')} budget of {pounds(targets[s])} (panel decision)",
            )
            for s in STREAMS
            if s in targets
        ],
        now=now,
    )
    budget.status, budget.agreed_at = status, now
    reviews.schedule_first(budget, agreed_on=now.date(), cadence=review_cadence)
    direct = cost_by_stream(lines, arrangement="direct_payment")
    agreed = {s: targets.get(s, balances[s].agreed_pence) for s in STREAMS}
    await add_event(
        session,
        events.budget_agreed(
            budget, {s: (agreed[s], direct.get(s, 0)) for s in STREAMS if agreed[s] > 0 or s in costs}
        ),
    )


async def close_ended_budgets(db: Database, settings: object, *, batch: int = 200) -> int:
    """The scheduled job (kit.jobs): close every budget whose plan period has ended, as ``POST …/close`` would
    (BUD-06 stages), each with its ``budget.closed.v1``. Payments and recoveries for it still book; ICB health
    funding for the CYP is held for the next budget (BUD-07)."""
    closed = 0
    while True:
        async with db.transaction() as session:
            ended = await repo.ended_budgets(session, today=common.today(), limit=batch)
            for budget in ended:
                await close(session, budget, reason=f"its plan period ended on {budget.period_end}")
            closed += len(ended)
        if len(ended) < batch:
            return closed


async def close(session: AsyncSession, budget: Budget, *, reason: str) -> None:
    """Close the budget; ``budget.closed.v1`` tells payments to stop its agreements from today (PAY-08)."""
    with refused(stages.StageRefused):
        budget.status = stages.closed(budget.status)
    await session.flush()
    await add_event(session, events.budget_closed(budget, closed_on=common.today(), reason=reason))
