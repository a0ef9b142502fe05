"""Disputes of a budget's amount or contents, and the next step open to the family after every decision (BUD-13).

A family may dispute the amount of a budget or what it pays for. The steps come in one order: the local authority
reconsiders, then the budget returns to panel, then the council's complaints process, then the Local Government and
Social Care Ombudsman. Each step is opened, decided (upheld, not upheld or partly upheld, with reasons and who
decided) and only then may the family take the next one; none is skipped. A step that upholds a dispute of the amount
changes nothing itself: the change is a variation (BUD-10) or a panel decision (BUD-06), which the decision names.

Every decision a family is told of names the next step open to them (``NextStep``): a panel decision and a variation
(reconsideration), a reconsideration (a return to panel), a panel on a dispute (a complaint), a complaint (the
Ombudsman), the Ombudsman (none). Pure: no I/O."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.budget.domain.reviews import add_months

RULE = "BUD-13"
STEPS = ("reconsideration", "panel", "complaint", "ombudsman")
OUTCOMES = ("upheld", "not_upheld", "partly_upheld")
SUBJECTS = ("amount", "contents")
NONE = "none"
# The Ombudsman normally looks at a complaint made within 12 months of the council's final response (LGSCO).
OMBUDSMAN_MONTHS = 12

_HOW = {
    "reconsideration": "Ask the local authority to reconsider: tell your caseworker what you disagree with (the "
                       "amount, or what the budget pays for) and why. The local authority looks at it again and "
                       "writes to you with its decision and reasons.",
    "panel": "Ask for your budget to go back to panel: the panel looks at the amount or what it pays for again, "
             "with what you told the local authority, and writes to you with its decision and reasons.",
    "complaint": "Make a complaint through the council's complaints process: the council investigates how your "
                 "budget was decided and writes to you with its final response.",
    "ombudsman": "Complain to the Local Government and Social Care Ombudsman (www.lgo.org.uk): it is free and "
                 "independent, and looks at complaints the council has not put right.",
}


class DisputeRefused(Exception):
    """A step taken out of order, a decision on a step already decided, or a decision that does not say what it
    changed (BUD-13). ``field`` names what the caller got wrong; ``invalid``: the request itself (422), else the
    dispute's state (409)."""

    def __init__(self, message: str, *, field: str | None = None, invalid: bool = False) -> None:
        super().__init__(message)
        self.message, self.field, self.invalid, self.rule = message, field, invalid, RULE


@dataclass(frozen=True)
class NextStep:
    """The next step open to the family: ``step`` (one of ``STEPS``, or ``none``), ``how`` in plain English and
    ``by`` the date to take it by where one applies."""

    step: str
    how: str
    by: date | None = None


@dataclass(frozen=True)
class Step:
    """One step of a dispute as the rules see it."""

    step: str
    opened_on: date
    decided_on: date | None = None
    outcome: str | None = None

    @property
    def decided(self) -> bool:
        return self.outcome is not None


def following(step: str) -> str | None:
    """The step after ``step`` (None after the Ombudsman)."""
    i = STEPS.index(step)
    return STEPS[i + 1] if i + 1 < len(STEPS) else None


def refuse_start(starts_at: str, *, reconsidered: bool, reduction_pending: bool) -> DisputeRefused | None:
    """Why a dispute cannot open at ``starts_at``, or None. A dispute starts with a reconsideration; it starts at
    panel only when the local authority already reconsidered the decision it disputes (the one reconsideration of a
    reduction, BUD-10). A reduction whose notice still stands is reconsidered through its own notice (BUD-10)."""
    if reduction_pending:
        return DisputeRefused("this reduction's notice still stands: ask for it to be reconsidered through the notice "
                              "(BUD-10) before disputing it", field="variation_id")
    expected = "panel" if reconsidered else "reconsideration"
    if starts_at != expected:
        why = ("the local authority already reconsidered this reduction (BUD-10): the next step is a return to panel"
               if reconsidered else "a dispute starts with a reconsideration by the local authority")
        return DisputeRefused(f"{why}; steps go reconsideration, panel, complaint, Ombudsman, none skipped",
                              field="starts_at")
    return None


def refuse_decision(steps: Sequence[Step], *, subject: str, outcome: str, decided_on: date,
                    linked: bool) -> DisputeRefused | None:
    """Why the current step cannot be decided so, or None: it is decided once, on or after it opened, and an upheld
    dispute of the amount names the variation or panel decision that changes it (the money moves only there)."""
    current = steps[-1]
    if current.decided:
        return DisputeRefused(f"the {current.step} step was decided on {current.decided_on}: a step is decided once; "
                              "the family may take the next step")
    if decided_on < current.opened_on:
        return DisputeRefused(f"the {current.step} step opened on {current.opened_on}: it is decided on or after "
                              "that day", field="decided_on", invalid=True)
    if subject == "amount" and outcome != "not_upheld" and not linked:
        return DisputeRefused("a dispute of the amount that is upheld, even in part, changes the amount through a "
                              "variation or a panel decision: name its variation_id or panel_decision_id",
                              field="variation_id", invalid=True)
    return None


def refuse_escalation(steps: Sequence[Step], to: str, *, opened_on: date) -> DisputeRefused | None:
    """Why the family cannot take step ``to`` now, or None: the current step must be decided and not upheld (or
    only partly), and ``to`` must be the very next step."""
    current = steps[-1]
    if not current.decided:
        return DisputeRefused(f"the {current.step} step has not been decided yet: the next step opens after its "
                              "decision", field="to")
    if current.outcome == "upheld":
        return DisputeRefused(f"the {current.step} step upheld the dispute: there is nothing to take further",
                              field="to")
    nxt = following(current.step)
    if nxt is None:
        return DisputeRefused("the Ombudsman's decision is the last step of a dispute", field="to")
    if to != nxt:
        return DisputeRefused(f"after the {current.step} step the next is {nxt}, not {to}: steps go reconsideration, "
                              "panel, complaint, Ombudsman, none skipped", field="to")
    if opened_on < current.decided_on:
        return DisputeRefused(f"the {current.step} step was decided on {current.decided_on}: the {nxt} step opens on "
                              "or after that day", field="opened_on", invalid=True)
    return None


def status(steps: Sequence[Step]) -> str:
    """``open``: a step waits for its decision; ``decided``: the family may take the next step; ``resolved``: a
    step upheld it; ``concluded``: the Ombudsman decided."""
    current = steps[-1]
    if not current.decided:
        return "open"
    if current.outcome == "upheld":
        return "resolved"
    return "concluded" if following(current.step) is None else "decided"


def next_step(steps: Sequence[Step]) -> NextStep:
    """BUD-13: the next step open to the family on a dispute."""
    current = steps[-1]
    if not current.decided:
        return NextStep(NONE, f"Wait for {_named(current.step)} decision: you will be told it, its reasons and "
                              "what you can do next.")
    if current.outcome == "upheld":
        return NextStep(NONE, f"Your dispute was upheld at {_named(current.step)}: the change is made to your budget, "
                              "and you need do nothing more.")
    return after(current.step, current.decided_on)


def after(step: str, decided_on: date | None) -> NextStep:
    """The step open to the family after a decision at ``step`` (not upheld, or partly)."""
    nxt = following(step)
    if nxt is None:
        return NextStep(NONE, "The Ombudsman's decision is the last step of a dispute. Independent advice (SENDIAS, "
                              "see the local offer) can tell you about anything else open to you.")
    by = add_months(decided_on, OMBUDSMAN_MONTHS) if nxt == "ombudsman" and decided_on else None
    return NextStep(nxt, _HOW[nxt], by)


def after_panel_decision(decision: str) -> NextStep:
    """BUD-13: what the family may do after a panel decision (BUD-06): ask for reconsideration; an escalated one
    waits for the senior decision."""
    if decision == "escalated":
        return NextStep(NONE, "This decision is above the panel member's authority and was passed to a senior "
                              "officer (BUD-06): you will be told their decision and what you can do next.")
    return NextStep("reconsideration", _HOW["reconsideration"])


def after_variation(kind: str, status_: str, reconsider_by: date | None,
                    reconsideration_outcome: str | None) -> NextStep:
    """BUD-13 with BUD-10: what the family may do after a variation. A reduction under notice may be reconsidered
    once until ``reconsider_by``; once that reconsideration is decided the next step is a return to panel (or none,
    the reduction withdrawn); any other change may be disputed, from a reconsideration."""
    if reconsideration_outcome == "upheld":  # the reduction stands after the family's one reconsideration
        return NextStep("panel", _HOW["panel"])
    if reconsideration_outcome == "withdrawn" or status_ == "withdrawn":
        return NextStep(NONE, "The reduction was withdrawn on reconsideration: your agreed amount stays.")
    if kind == "reduction" and status_ == "notice_issued":
        return NextStep("reconsideration", "Ask us to reconsider this reduction, once, by the date given: nothing "
                                           "changes before then.", reconsider_by)
    if status_ == "reconsideration_requested":
        return NextStep(NONE, "We are reconsidering the reduction: you will be told the decision, its reasons and "
                              "what you can do next. Nothing changes before then.")
    return NextStep("reconsideration", _HOW["reconsideration"])


def _named(step: str) -> str:
    return {"reconsideration": "the local authority's reconsideration", "panel": "the panel",
            "complaint": "the council's complaints process", "ombudsman": "the Ombudsman"}[step]
