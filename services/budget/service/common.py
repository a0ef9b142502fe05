"""Helpers shared by the use cases: the clock, provision as the rules see it, and refusals as errors."""
from __future__ import annotations

from datetime import date, datetime

from kit.errors import AppError
from kit.events import utcnow
from kit.refusals import as_problem
from services.budget.domain.budget import Line, Refusal
from services.budget.models import PanelDecision, Provision


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


def violation(refusal: Refusal) -> AppError:
    """A domain refusal of a rule (BUD-05) as the 409 naming the rule and the stream."""
    return as_problem(refusal)


def latest_decisions(decisions: list[PanelDecision]) -> dict[str, PanelDecision]:
    latest: dict[str, PanelDecision] = {}
    for d in decisions:  # ordered by seq
        latest[d.stream] = d
    return latest
