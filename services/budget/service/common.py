"""Helpers shared by the use cases: the clock, and the budget as callers see it."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kit.errors import RuleViolation
from kit.events import utcnow
from services.budget import repository as repo
from services.budget.domain.budget import Line, Refusal
from services.budget.domain.ledger import STREAMS
from services.budget.models import Budget, Insufficiency, PanelDecision, Provision


def now() -> datetime:
    return utcnow()


def today() -> date:
    """Today's date (UTC). Tests move the clock by replacing this function on the module."""
    return now().date()


def line_of(p: Provision) -> Line:
    return Line(stream=p.stream, category=p.category, annual_cost_pence=p.annual_cost_pence,
                arrangement=p.arrangement, on_setting_premises=p.on_setting_premises,
                setting_agreement=p.setting_agreement, outcome=p.outcome, funding_source=p.funding_source,
                head_agreement=p.head_agreement)


def violation(refusal: Refusal) -> RuleViolation:
    """A domain refusal of a rule (BUD-05) as the 409 naming the rule and the stream."""
    return RuleViolation(refusal.message, rule=refusal.rule, stream=refusal.stream)


def latest_decisions(decisions: list[PanelDecision]) -> dict[str, PanelDecision]:
    latest: dict[str, PanelDecision] = {}
    for d in decisions:  # ordered by seq
        latest[d.stream] = d
    return latest


def provision_view(p: Provision) -> dict:
    return {"id": p.id, "description": p.description, "outcome": p.outcome, "stream": p.stream,
            "category": p.category, "annual_cost_pence": p.annual_cost_pence, "arrangement": p.arrangement,
            "on_setting_premises": p.on_setting_premises, "setting_agreement": p.setting_agreement,
            "funding_source": p.funding_source, "head_agreement": p.head_agreement,
            "contract_id": p.contract_id, "created_at": p.created_at}


def decision_view(d: PanelDecision) -> dict:
    return {"id": d.id, "stream": d.stream, "requested": d.requested, "decision": d.decision,
            "agreed_pence": d.agreed_pence, "extra_pence": d.extra_pence, "authority": d.authority,
            "limit_pence": d.limit_pence, "decided_by": d.decided_by, "decided_at": d.decided_at,
            "rule": "BUD-06" if d.decision == "escalated" else None}


def insufficiency_view(f: Insufficiency) -> dict:
    return {"stream": f.stream, "rule": f.rule, "agreed_pence": f.agreed_pence,
            "provision_cost_pence": f.provision_cost_pence, "shortfall_pence": f.provision_cost_pence - f.agreed_pence,
            "message": f.message, "since": f.since, "icb_event_id": f.icb_event_id, "flagged_at": f.flagged_at}


async def budget_view(session: AsyncSession, budget: Budget) -> dict:
    """The budget with its per-stream balances (sums of ledger entries), provision and panel decisions."""
    balances = await repo.balances(session, budget.id)
    return {
        "id": budget.id,
        "child_id": budget.child_id,
        "local_authority": budget.local_authority,
        "plan_reference": budget.plan_reference,
        "period_start": budget.period_start,
        "period_end": budget.period_end,
        "status": budget.status,
        "opened_from": budget.opened_from,
        "streams": {s: balances[s].as_dict() for s in STREAMS},
        "provisions": [provision_view(p) for p in await repo.provisions(session, budget.id)],
        "panel_decisions": [decision_view(d) for d in await repo.panel_decisions(session, budget.id)],
        "created_at": budget.created_at,
        "agreed_at": budget.agreed_at,
        "next_review_due": budget.next_review_due,
        # BUD-05: streams that no longer cover their agreed provision (an ICB cut), until covered again.
        "insufficient": [insufficiency_view(f) for f in await repo.insufficiencies(session, budget.id)],
    }
