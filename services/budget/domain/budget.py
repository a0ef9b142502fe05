"""Pure rules of pooled budgets (BUD-01..11) and value objects. No I/O; the ledger is in ``ledger.py``, review
dates in ``reviews.py``."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from kit.money import pounds
from services.budget.domain import categories
from services.budget.domain.ledger import STREAMS
from services.budget.domain.reviews import add_months

ARRANGEMENTS = ("direct_payment", "third_party", "notional")
SEN2_FUNDER_CODES = {"education": "E", "transport": "E", "social_care": "S", "health": "H"}


@dataclass(frozen=True)
class Refusal:
    rule: str
    message: str
    field: str | None = None
    stream: str | None = None
    invalid: bool = False  # the request itself is wrong (422), not refused by the record's state or a rule (409)
    details: Mapping | None = None  # more for the caller, e.g. the valid categories


@dataclass(frozen=True)
class Line:
    """A provision line as the rules see it."""

    stream: str
    category: str
    annual_cost_pence: int
    arrangement: str
    on_setting_premises: bool
    setting_agreement: bool
    outcome: str
    funding_source: str | None = None
    head_agreement: bool = False


EDUCATION_SIDE = ("education", "transport")


def refuse_line(line: Line) -> Refusal | None:
    """Why a provision line cannot be funded, or None."""
    if not line.outcome.strip():
        return Refusal("BUD-02", "a budget only funds provision written in the plan and tied to an outcome; "
                                 "name the outcome this provision serves", field="outcome", invalid=True)
    if refusal := refuse_category(line.category):
        return refusal
    if line.funding_source is not None and line.stream not in EDUCATION_SIDE:
        return Refusal("BUD-04", "a funding source is named only for education-side provision",
                       field="funding_source")
    if line.funding_source == "school_budget" and not line.head_agreement:
        return Refusal("BUD-04", "money from a school's own budget needs the head's agreement",
                       field="head_agreement")
    if line.arrangement == "direct_payment" and line.on_setting_premises and not line.setting_agreement:
        return Refusal(
            "ELIG-09",
            "direct-payment-funded provision on a school's, college's or early-years "
            "setting's premises needs the head's or principal's written agreement first",
            field="setting_agreement",
        )
    return None


def refuse_category(category: str) -> Refusal | None:
    """Why a provision category cannot be bought with a personal budget, or None. Every kind of placement at a
    school, college or early-years setting is refused whatever it is called (BUD-03, 409); any other name not on
    the published menu is not a category (BUD-15, 422 listing the valid ones)."""
    if categories.is_placement(category):
        return Refusal("BUD-03", f"{category!r} is a place at a school, college or early-years setting: a personal "
                                 "budget can never pay for one", field="category")
    if category not in categories.VALID:
        return Refusal("BUD-15", f"{category!r} is not a provision category; use one of "
                                 f"{', '.join(categories.VALID)} (GET /v1/budgets/provision-categories)",
                       field="category", invalid=True, details={"valid_categories": list(categories.VALID)})
    return None


def refuse_for_eligibility(line: Line, decision: Mapping | None) -> Refusal | None:
    """Why the CYP's latest eligibility decision rules a provision line out, or None.

    The line's stream must be one the decision found eligible. A direct payment must be an arrangement the decision
    allowed: it needs a recipient who asked for it and consents (ELIG-06, ELIG-07); an arrangement the LA manages
    (notional, third party) is refused only where the decision refused it. A refusal carries the decision's own first
    reason (its rule and words), so the caseworker sees why. A CYP with no decision known to this service (a budget
    opened by hand) is not checked."""
    if not decision:
        return None
    stream = (decision.get("streams") or {}).get(line.stream)
    if stream is None:
        return Refusal("ELIG-05", f"{line.stream} was not requested for this CYP: a personal budget only funds the "
                                  "streams the eligibility decision covers", field="stream", stream=line.stream)
    if not stream.get("eligible"):
        return _refusal_from(stream, "stream", line, f"{line.stream} is not eligible for this CYP")
    arrangement = (decision.get("arrangements") or {}).get(line.arrangement)
    if arrangement is None and line.arrangement == "direct_payment":
        return Refusal("ELIG-06", "direct payments were not requested for this CYP: a direct payment needs a "
                                  "recipient who asked for it and consents", field="arrangement", stream=line.stream)
    if arrangement is not None and not arrangement.get("allowed"):
        return _refusal_from(arrangement, "arrangement", line, f"{line.arrangement} is not allowed for this CYP")
    return None


def _refusal_from(entry: Mapping, field: str, line: Line, what: str) -> Refusal:
    reasons = entry.get("reasons") or [{"rule": "ELIG-05", "message": "the eligibility decision refused it"}]
    return Refusal(reasons[0]["rule"], f"{what}: {reasons[0]['message']}", field=field, stream=line.stream)


def cost_by_stream(lines: Iterable[Line], *, arrangement: str | None = None) -> dict[str, int]:
    """Annual cost of provision per stream (only streams with lines), optionally of one arrangement."""
    costs: dict[str, int] = {}
    for line in lines:
        if arrangement is None or line.arrangement == arrangement:
            costs[line.stream] = costs.get(line.stream, 0) + line.annual_cost_pence
    return costs


@dataclass(frozen=True)
class StreamDecision:
    decision: str
    agreed_pence: int


def agreement_refusals(
    costs: Mapping[str, int], decisions: Mapping[str, StreamDecision], targets: Mapping[str, int]
) -> list[Refusal]:
    """Why the budget cannot be agreed yet: every stream with provision needs an approval (BUD-06) and an
    agreed amount that covers its provision (BUD-05). ``targets`` are the amounts agreement would set per
    stream."""
    refusals = []
    for stream in STREAMS:
        if stream not in costs:
            continue
        decision = decisions.get(stream)
        if decision is None or decision.decision != "approved":
            state = "no panel decision" if decision is None else f"the panel decision is {decision.decision}"
            refusals.append(
                Refusal(
                    "BUD-06", f"{stream}: {state}; every stream with provision needs approval", stream=stream
                )
            )
        elif targets.get(stream, 0) < costs[stream]:
            refusals.append(
                Refusal(
                    "BUD-05",
                    f"{stream}: agreed {pounds(targets.get(stream, 0))} does not cover provision costing "
                    f"{pounds(costs[stream])}; the amount must be increased",
                    stream=stream,
                )
            )
    return refusals


def shortfall(stream: str, agreed_pence: int, cost_pence: int) -> Refusal | None:
    """BUD-05 after agreement: why a stream's agreed amount (cut by the ICB, for health) no longer secures its
    agreed provision, or None while it does."""
    if agreed_pence >= cost_pence:
        return None
    return Refusal(
        "BUD-05",
        f"{stream.replace('_', ' ')}: {pounds(agreed_pence)} a year no longer covers the agreed provision costing "
        f"{pounds(cost_pence)} a year ({pounds(cost_pence - agreed_pence)} short); the amount must be increased "
        "or the provision reviewed",
        stream=stream,
    )


@dataclass(frozen=True)
class Coverage:
    """BUD-05: a stream's agreed amount against the annual cost of its provision lines."""

    stream: str
    agreed_pence: int
    cost_pence: int

    @property
    def covered(self) -> bool:
        return self.agreed_pence >= self.cost_pence


def coverage(lines: Iterable[Line], stream: str, agreed_pence: int) -> Coverage:
    """BUD-05: whether ``agreed_pence`` covers what the stream's provision ``lines`` cost a year. The one check
    behind a line added after agreement, a reduction, and a variation clearing an insufficiency."""
    return Coverage(stream, agreed_pence, cost_by_stream(lines).get(stream, 0))


def refuse_line_after_agreement(lines: Iterable[Line], line: Line, agreed_pence: int) -> Refusal | None:
    """BUD-05: a line is added to an agreed budget only if the stream's agreed amount still covers its provision
    with the line; else the budget is varied first."""
    cover = coverage([*lines, line], line.stream, agreed_pence)
    if cover.covered:
        return None
    return Refusal("BUD-05", f"{line.stream}: provision would cost {pounds(cover.cost_pence)} against "
                             f"{pounds(agreed_pence)} agreed; vary the budget first", stream=line.stream)


def refuse_reduction(lines: Iterable[Line], stream: str, agreed_pence: int) -> Refusal | None:
    """BUD-05 within BUD-10: a stream is never reduced below the cost of its agreed provision."""
    cover = coverage(lines, stream, agreed_pence)
    if cover.covered:
        return None
    return Refusal("BUD-05", f"{stream}: {pounds(agreed_pence)} would not cover the agreed provision costing "
                             f"{pounds(cover.cost_pence)} (BUD-05)", stream=stream)


def reduction_notice(stream: str, from_pence: int, to_pence: int, reasons: str, reconsider_by: date | None) -> str:
    """BUD-10: the written notice of a reduction, with its reasons and until when the family may ask, once, for it
    to be reconsidered."""
    return (f"We intend to reduce the {stream.replace('_', ' ')} part of your budget from {pounds(from_pence)} to "
            f"{pounds(to_pence)} a year. Our reasons: {reasons}. You may ask us to reconsider once, until "
            f"{reconsider_by}; nothing changes before then.")


def default_period(start: date) -> tuple[date, date]:
    """A plan period of one year from ``start`` (used for budgets opened from events)."""
    return start, add_months(start, 12) - timedelta(days=1)


def periods_overlap(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def newer_health_funding(candidate: tuple[date, int], current: tuple[date, int] | None) -> bool:
    """BUD-07: an ICB event replaces the health amount only if it is effective later than the one applied
    (ties broken by arrival order), so an older event arriving late never overwrites a newer one."""
    return current is None or candidate > current


DIRECT_PAYMENT_ARRANGEMENTS = frozenset({"direct_payment", "third_party"})  # Code of Practice 9.101
ORGANISED_ARRANGEMENTS = frozenset({"notional"})


def direct_payment_funders(lines: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """BUD-11: the SEN2 funder codes (E, S, H) of a plan's direct payments, from its lines' ``(stream,
    arrangement)``. Money paid to a person or organisation who manages it for the family (a third-party
    arrangement) is a direct payment too (SEND Code of Practice 9.101). The one rule behind the SEN2 JSON
    (``sen2_fields``) and the SEN2 file (``sen2_return.record``)."""
    return tuple(sorted({SEN2_FUNDER_CODES[stream] for stream, arrangement in lines
                         if arrangement in DIRECT_PAYMENT_ARRANGEMENTS and stream in SEN2_FUNDER_CODES}))


def funder_code(funders: tuple[str, ...]) -> str | None:
    """BUD-11: SEN2's DP item: the one funder, ``I`` (integrated) when more than one funds direct payments."""
    return ("I" if len(funders) > 1 else funders[0]) if funders else None


@dataclass(frozen=True)
class Sen2Fields:
    """BUD-11: one plan's SEN2 personal-budget fields, as the JSON list gives them (Y/N)."""

    has_personal_budget: str
    organised_arrangements: str
    direct_payment_funders: list[str]
    direct_payment_funder_code: str | None


def sen2_fields(*, agreed: bool, arrangements_by_stream: Mapping[str, set[str]]) -> Sen2Fields:
    """BUD-11: the SEN2 personal-budget fields of one plan: Y once agreed; organised arrangements when any line is
    notional; the funders of its direct payments (third-party arrangements count, CoP 9.101)."""
    lines = [(stream, arrangement) for stream, held in arrangements_by_stream.items() for arrangement in held]
    funders = direct_payment_funders(lines)
    return Sen2Fields(
        has_personal_budget="Y" if agreed else "N",
        organised_arrangements="Y" if agreed and any(a in ORGANISED_ARRANGEMENTS for _, a in lines) else "N",
        direct_payment_funders=list(funders),
        direct_payment_funder_code=funder_code(funders) if agreed else None,
    )
