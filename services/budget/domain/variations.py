"""Variations of an agreed budget (BUD-10): an increase applies at once; a reduction is a written notice with
reasons, allows one reconsideration asked within its window, and applies only once the window closed without one or
the reconsideration upheld it. Pure: the use cases load the variation, ask these functions for its next state and
write it; a change its state does not allow raises ``VariationRefused``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

RULE = "BUD-10"
PENDING = ("notice_issued", "reconsideration_requested")  # a reduction not yet applied nor withdrawn


class VariationRefused(Exception):
    """The variation's state does not allow the change; ``rule`` (BUD-10) when the rule refuses it, ``field`` when
    the request names a value that cannot change anything (422)."""

    def __init__(self, message: str, *, rule: str | None = None, field: str | None = None,
                 **details: object) -> None:
        super().__init__(message)
        self.message, self.rule, self.field, self.invalid, self.details = message, rule, field, field is not None, \
            details


@dataclass(frozen=True)
class VariationState:
    """What the rules read of a variation: its kind, status and the last day to ask for reconsideration."""

    kind: str
    status: str
    reconsider_by: date | None = None


@dataclass(frozen=True)
class Proposal:
    """A variation as proposed: ``increase`` (to apply at once) or ``reduction`` (a notice until
    ``reconsider_by``)."""

    kind: str
    status: str
    reconsider_by: date | None

    @property
    def applies_now(self) -> bool:
        return self.kind == "increase"


def proposed(budget_status: str, *, stream: str, current_pence: int, to_pence: int, pending_reduction: bool,
             today: date, reconsideration_days: int, current_words: str) -> Proposal:
    """BUD-10: a change of an agreed budget's stream; ``current_words`` is the current amount as the caller reads
    it (e.g. £1,000.00). A reduction's notice gives the family ``reconsideration_days`` to ask."""
    if budget_status != "agreed":
        raise VariationRefused(f"only an agreed budget is varied; this one is {budget_status}")
    if to_pence == current_pence:
        raise VariationRefused(f"the {stream} stream is already agreed at {current_words}", field="agreed_pence")
    if pending_reduction:
        raise VariationRefused(f"a reduction of the {stream} stream is already pending", rule=RULE)
    if to_pence > current_pence:
        return Proposal("increase", "notice_issued", None)
    return Proposal("reduction", "notice_issued", today + timedelta(days=reconsideration_days))


def reconsideration_asked(v: VariationState, today: date) -> str:
    """BUD-10: the family's one reconsideration of a reduction, asked while its notice stands, within the window."""
    if v.kind != "reduction" or v.status != "notice_issued":
        raise VariationRefused("a reduction allows one reconsideration, asked while its notice stands", rule=RULE)
    if v.reconsider_by is not None and today > v.reconsider_by:
        raise VariationRefused(f"the window to ask for reconsideration closed on {v.reconsider_by}", rule=RULE)
    return "reconsideration_requested"


def reconsideration_decided(v: VariationState, outcome: str) -> str:
    """BUD-10: the reconsideration's outcome: ``upheld`` applies the reduction (``applied``), ``withdrawn`` keeps the
    agreed amount (``withdrawn``)."""
    if v.status != "reconsideration_requested":
        raise VariationRefused("no reconsideration of this variation is waiting for a decision")
    return "applied" if outcome == "upheld" else "withdrawn"


def due_to_apply(v: VariationState, today: date) -> str:
    """BUD-10: a reduction applies once its window closed without a request for reconsideration."""
    if v.status != "notice_issued" or v.kind != "reduction":
        raise VariationRefused(f"this variation is {v.status}")
    if v.reconsider_by is not None and today <= v.reconsider_by:
        raise VariationRefused(f"the family may ask for reconsideration until {v.reconsider_by}; the reduction "
                               "applies after that", rule=RULE, reconsider_by=str(v.reconsider_by))
    return "applied"
