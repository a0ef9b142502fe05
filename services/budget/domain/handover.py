"""Preparing for adulthood (ELIG-14): before a young person turns 18, adult social care is told and the budget's
summary handed over. The summary says, for one budget, what was agreed per stream and what of it is committed or
paid, how the provision is held (direct payment, third party, or managed by the council: notional), the outcomes the
provision serves and the progress the latest review found (BUD-14) with the young person's own views, when the next
review is due, and the disputes still open (BUD-13), each with the next step open to the family.

Pure: the service hands in plain values read from the budget's rows; the summary, and its plain-English text, are
built here."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from services.budget.domain.budget import ARRANGEMENTS
from services.budget.domain.outcomes import outcomes_of, same_outcome

RULE = "ELIG-14"
# How a family or adult social care reads each arrangement (BUD-03 names them; ELIG-06/07 decide who may hold them).
HELD_AS = {"direct_payment": "a direct payment to the family",
           "third_party": "a third party who holds the money for the family",
           "notional": "managed by the council (notional)"}
OPEN_DISPUTE = ("open", "decided")  # a step awaits a decision, or the family may still take the next step


@dataclass(frozen=True)
class StreamMoney:
    """One stream's figures, each a sum of ledger entries (BUD-08)."""

    stream: str
    agreed_pence: int
    released_pence: int
    committed_pence: int
    spent_pence: int
    available_pence: int


@dataclass(frozen=True)
class ProvisionLine:
    stream: str
    description: str
    outcome: str
    arrangement: str
    annual_cost_pence: int


@dataclass(frozen=True)
class ReviewHeld:
    """A review as the handover reads it: when, the progress per outcome (BUD-14) and the young person's views."""

    reviewed_on: date
    progress: Sequence[Mapping[str, str]]  # [{outcome, progress, note}]
    views_text: str | None
    views_given_by: str | None


@dataclass(frozen=True)
class DisputeHeld:
    dispute_id: str
    subject: str
    status: str
    step: str
    opened_on: date
    next_step: str
    next_step_how: str
    next_step_by: date | None


@dataclass(frozen=True)
class Arrangement:
    """How part of the budget is held, and the annual cost of the provision held that way."""

    arrangement: str
    held_as: str
    annual_cost_pence: int
    streams: tuple[str, ...]


@dataclass(frozen=True)
class OutcomeProgress:
    """An outcome of the plan, the provision serving it, and the progress the latest review found (BUD-14)."""

    outcome: str
    provision: tuple[str, ...]
    annual_cost_pence: int
    progress: str | None
    note: str | None
    reviewed_on: date | None


@dataclass(frozen=True)
class Views:
    text: str
    given_by: str
    reviewed_on: date


@dataclass(frozen=True)
class HandoverSummary:
    """ELIG-14: what adult social care is handed for one budget."""

    budget_status: str
    plan_reference: str
    period_start: date
    period_end: date
    streams: tuple[StreamMoney, ...]
    agreed_pence: int
    committed_pence: int
    spent_pence: int
    arrangements: tuple[Arrangement, ...]
    outcomes: tuple[OutcomeProgress, ...]
    views: Views | None
    next_review_due: date | None
    next_review_reason: str | None
    open_disputes: tuple[DisputeHeld, ...]
    summary: str


def gbp(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    return f"{sign}£{pence // 100:,}.{pence % 100:02d}"


def arrangements_of(lines: Iterable[ProvisionLine]) -> tuple[Arrangement, ...]:
    """Each arrangement the provision uses, in BUD-03's order, with its annual cost and streams."""
    lines = list(lines)
    found = []
    for name in ARRANGEMENTS:
        held = [ln for ln in lines if ln.arrangement == name]
        if held:
            streams = tuple(dict.fromkeys(ln.stream for ln in held))
            found.append(Arrangement(name, HELD_AS[name], sum(ln.annual_cost_pence for ln in held), streams))
    return tuple(found)


def outcomes_with_progress(lines: Sequence[ProvisionLine], reviews: Sequence[ReviewHeld]
                           ) -> tuple[OutcomeProgress, ...]:
    """Every outcome the provision names (BUD-14), with the progress of the latest review that recorded it."""
    latest: dict[str, tuple[ReviewHeld, Mapping[str, str]]] = {}
    for review in sorted(reviews, key=lambda r: r.reviewed_on):
        for p in review.progress:
            latest[same_outcome(p["outcome"])] = (review, p)
    result = []
    for outcome in outcomes_of(ln.outcome for ln in lines):
        serving = [ln for ln in lines if same_outcome(ln.outcome) == same_outcome(outcome)]
        review, p = latest.get(same_outcome(outcome), (None, None))
        result.append(OutcomeProgress(
            outcome=outcome, provision=tuple(ln.description for ln in serving),
            annual_cost_pence=sum(ln.annual_cost_pence for ln in serving),
            progress=p["progress"] if p else None, note=(p.get("note") or None) if p else None,
            reviewed_on=review.reviewed_on if review else None))
    return tuple(result)


def latest_views(reviews: Sequence[ReviewHeld]) -> Views | None:
    """The young person's own views at the latest review that recorded them (BUD-14)."""
    given = [r for r in reviews if r.views_text]
    if not given:
        return None
    r = max(given, key=lambda r: r.reviewed_on)
    return Views(r.views_text or "", r.views_given_by or "young_person", r.reviewed_on)


def build(*, budget_status: str, plan_reference: str, period_start: date, period_end: date,
          streams: Sequence[StreamMoney], lines: Sequence[ProvisionLine], reviews: Sequence[ReviewHeld],
          disputes: Sequence[DisputeHeld], next_review_due: date | None, next_review_reason: str | None,
          turns_18_on: date | None = None, care_leaver: bool = False) -> HandoverSummary:
    """ELIG-14: the handover summary of one budget, with its plain-English text."""
    shown = tuple(s for s in streams if s.agreed_pence or s.committed_pence or s.spent_pence or s.released_pence)
    arrangements = arrangements_of(lines)
    outcomes = outcomes_with_progress(lines, reviews)
    views = latest_views(reviews)
    still_open = tuple(d for d in disputes if d.status in OPEN_DISPUTE)
    summary = HandoverSummary(
        budget_status=budget_status, plan_reference=plan_reference, period_start=period_start,
        period_end=period_end, streams=shown, agreed_pence=sum(s.agreed_pence for s in shown),
        committed_pence=sum(s.committed_pence for s in shown), spent_pence=sum(s.spent_pence for s in shown),
        arrangements=arrangements, outcomes=outcomes, views=views, next_review_due=next_review_due,
        next_review_reason=next_review_reason, open_disputes=still_open, summary="")
    return _with_text(summary, turns_18_on=turns_18_on, care_leaver=care_leaver)


def _with_text(s: HandoverSummary, *, turns_18_on: date | None, care_leaver: bool) -> HandoverSummary:
    return replace(s, summary=" ".join(text_of(s, turns_18_on=turns_18_on, care_leaver=care_leaver)))


def text_of(s: HandoverSummary, *, turns_18_on: date | None, care_leaver: bool) -> list[str]:
    """The summary as adult social care reads it, sentence by sentence."""
    said = []
    if turns_18_on:
        said.append(f"Turns 18 on {turns_18_on.isoformat()}.")
    if care_leaver:
        said.append("A care leaver: keeps their entitlement after 18 (ELIG-14).")
    said.append(f"Budget {s.plan_reference} ({s.budget_status}) for {s.period_start.isoformat()} to "
                f"{s.period_end.isoformat()}.")
    if s.streams:
        said.append("Agreed: " + "; ".join(
            f"{m.stream.replace('_', ' ')} {gbp(m.agreed_pence)} ({gbp(m.committed_pence)} committed, "
            f"{gbp(m.spent_pence)} paid)" for m in s.streams) + ".")
    else:
        said.append("Nothing agreed yet.")
    if s.arrangements:
        said.append("Held as: " + "; ".join(f"{a.held_as} {gbp(a.annual_cost_pence)} a year"
                                            for a in s.arrangements) + ".")
    for o in s.outcomes:
        progress = (f"progress {o.progress.replace('_', ' ')} at the review of {o.reviewed_on.isoformat()}"
                    if o.progress and o.reviewed_on else "no progress recorded yet")
        said.append(f"Outcome '{o.outcome}': {', '.join(o.provision)}; {progress}.")
    if s.views:
        said.append(f"In their own words ({s.views.given_by.replace('_', ' ')}, {s.views.reviewed_on.isoformat()}): "
                    f"\"{s.views.text}\".")
    said.append(f"Next review due {s.next_review_due.isoformat()}." if s.next_review_due
                else "No review is scheduled.")
    for d in s.open_disputes:
        said.append(f"Open dispute of the {d.subject} at {d.step.replace('_', ' ')} since {d.opened_on.isoformat()}: "
                    f"next step {d.next_step}" + (f" by {d.next_step_by.isoformat()}" if d.next_step_by else "") + ".")
    if not s.open_disputes:
        said.append("No dispute is open.")
    return said
