"""Outcomes and voice (BUD-14): every provision line is tied to an outcome of the plan (BUD-02 makes `outcome`
required on every line), and a review records progress per outcome and the child's or young person's own views.
Pure: the review's progress is checked against the outcomes the budget's lines name."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.budget.domain.budget import Refusal

RULE = "BUD-14"
PROGRESS = ("not_started", "some", "good", "achieved")
GIVEN_BY = ("child", "young_person", "parent_on_their_behalf", "advocate")


@dataclass(frozen=True)
class Progress:
    """Progress towards one outcome of the plan, as a review found it."""

    outcome: str
    progress: str
    note: str = ""


@dataclass(frozen=True)
class Views:
    """The child's or young person's own views at a review, and who gave them (their own words, or someone who
    spoke for them)."""

    text: str
    given_by: str


def same_outcome(name: str) -> str:
    """Outcomes are matched as people write them: case, and spaces at the ends or doubled, do not matter."""
    return " ".join(name.split()).casefold()


def outcomes_of(line_outcomes: Iterable[str]) -> list[str]:
    """The outcomes a budget's lines name, each once, in the order first named."""
    seen: dict[str, str] = {}
    for outcome in line_outcomes:
        seen.setdefault(same_outcome(outcome), outcome.strip())
    return [o for o in seen.values() if o]


def review_refusals(progress: Sequence[Progress], views: Views | None, outcomes: Sequence[str], *,
                    required: bool) -> list[Refusal]:
    """BUD-14: why a review's progress and views cannot be recorded (empty: they can). Progress names only outcomes
    that the budget's lines name, each once, at a known level. Where the LA requires it (``required``), a review
    gives progress on every outcome of the budget and the child's or young person's views."""
    named = {same_outcome(o) for o in outcomes}
    refusals, given = [], set()
    for k, p in enumerate(progress):
        key = same_outcome(p.outcome)
        if key not in named:
            refusals.append(_refusal(f"progress[{k}].outcome", f"{p.outcome!r} is not an outcome of this budget's "
                                     "provision; progress is recorded against the outcomes its lines name: "
                                     + (", ".join(repr(o) for o in outcomes) or "none yet")))
        elif key in given:
            refusals.append(_refusal(f"progress[{k}].outcome", f"progress on {p.outcome!r} is given twice"))
        if p.progress not in PROGRESS:
            refusals.append(_refusal(f"progress[{k}].progress", f"progress is one of {', '.join(PROGRESS)}"))
        given.add(key)
    if views is not None and views.given_by not in GIVEN_BY:
        refusals.append(_refusal("views.given_by", f"views are given by one of {', '.join(GIVEN_BY)}"))
    if required:
        for outcome in outcomes:
            if same_outcome(outcome) not in given:
                refusals.append(_refusal("progress", f"this LA records progress on every outcome at each review: "
                                                     f"none given for {outcome!r}"))
        if views is None or not views.text.strip():
            refusals.append(_refusal("views", "this LA records the child's or young person's own views at each "
                                              "review"))
    return refusals


def _refusal(field: str, message: str) -> Refusal:
    return Refusal(RULE, message, field=field, invalid=True)
