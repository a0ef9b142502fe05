"""A budget's stages and its panel (BUD-06): draft → indicative → submitted to panel → agreed → (varied) → closed;
the panel decides per stream within each decider's delegated authority. Pure: the use cases load the budget, ask
these functions for the change, and write what they return.

A transition the budget's stage does not allow raises ``StageRefused`` (409: a conflict with the record's state,
or a refusal naming its rule)."""
from __future__ import annotations

from dataclasses import dataclass

EDITABLE = ("draft", "indicative")  # provision is written (and the budget submitted) before panel
RULE = "BUD-06"


class StageRefused(Exception):
    """The budget's stage does not allow the change; ``rule`` when a rule refuses it rather than the stage."""

    def __init__(self, message: str, *, rule: str | None = None) -> None:
        super().__init__(message)
        self.message, self.rule = message, rule


def submitted(status: str, *, provision_lines: int) -> str:
    """BUD-06: a draft or indicative budget goes to panel with the provision it will fund (BUD-02)."""
    if status not in EDITABLE:
        raise StageRefused(f"only a draft or indicative budget can be submitted; this one is {status}")
    if provision_lines == 0:
        raise StageRefused("a budget is submitted with the provision it will fund; add provision first",
                           rule="BUD-02")
    return "submitted"


def panel_outcome(decision: str, agreed_pence: int, limit_pence: int) -> str:
    """BUD-06: an approval above the decider's delegated authority is escalated, never accepted."""
    if decision == "approved" and agreed_pence > limit_pence:
        return "escalated"
    return decision


@dataclass(frozen=True)
class PanelRuling:
    """One stream's panel decision as recorded (BUD-06): what was asked, what stands, the extra funding awarded
    above the pooled (indicative) amount, and the authority it was decided under."""

    stream: str
    requested: str
    decision: str
    agreed_pence: int
    extra_pence: int
    authority: str
    limit_pence: int
    decided_by: str


def panel_ruling(status: str, *, stream: str, requested: str, agreed_pence: int, indicative_pence: int,
                 authority: str, limit_pence: int, decided_by: str) -> PanelRuling:
    """BUD-06: the panel decides a stream of a submitted budget; an approval above ``limit_pence`` (the decider's
    delegated authority) is escalated; what it agrees above the indicative amount is extra funding."""
    if status != "submitted":
        raise StageRefused(f"panel decisions are made on a submitted budget; this one is {status}")
    return PanelRuling(stream=stream, requested=requested,
                       decision=panel_outcome(requested, agreed_pence, limit_pence), agreed_pence=agreed_pence,
                       extra_pence=max(0, agreed_pence - indicative_pence), authority=authority,
                       limit_pence=limit_pence, decided_by=decided_by)


def agreed(status: str) -> str:
    """BUD-06: only a budget the panel has before it is agreed (its streams' approvals are checked by
    ``budget.agreement_refusals``, BUD-05/06)."""
    if status != "submitted":
        raise StageRefused(f"only a submitted budget can be agreed; this one is {status}")
    return "agreed"


def closed(status: str) -> str:
    """BUD-06: any budget not closed yet may be closed (by the LA, or when its plan period ends)."""
    if status == "closed":
        raise StageRefused("the budget is already closed")
    return "closed"
