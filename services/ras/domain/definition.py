"""A RAS model's questionnaire and conversions as value objects, and the checks a model must pass before it is
published (RAS-01, RAS-03). Pure: no I/O."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

STREAMS = ("education", "health", "social_care", "transport")
PRICE_PER_POINT = "price_per_point"
BANDS = "bands"


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    points: int


@dataclass(frozen=True)
class Question:
    id: str
    domain: str
    stream: str
    text: str
    options: tuple[Option, ...]

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Band:
    min_points: int
    max_points: int
    amount_pence: int

    def holds(self, points: int) -> bool:
        return self.min_points <= points <= self.max_points

    def describe(self) -> str:
        return f"{self.min_points}–{self.max_points} points"


@dataclass(frozen=True)
class PricePerPoint:
    pence_per_point: int
    method: str = PRICE_PER_POINT


@dataclass(frozen=True)
class Bands:
    bands: tuple[Band, ...]
    method: str = BANDS

    def band_for(self, points: int) -> Band | None:
        return next((b for b in self.bands if b.holds(points)), None)


Conversion = PricePerPoint | Bands


@dataclass(frozen=True)
class ModelDefinition:
    """What a model version says: its questions, how each stream's points become money, and its ceiling."""

    questions: tuple[Question, ...]
    conversions: Mapping[str, Conversion]
    ceiling_points: int | None = None

    @property
    def streams(self) -> list[str]:
        """The streams that have questions, in the platform's stream order (RAS-08)."""
        used = {q.stream for q in self.questions}
        return [s for s in STREAMS if s in used]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelDefinition:
        questions = tuple(
            Question(id=q["id"], domain=q["domain"], stream=q["stream"], text=q["text"],
                     options=tuple(Option(o["id"], o["label"], o["points"]) for o in q["options"]))
            for q in data["questions"])
        conversions: dict[str, Conversion] = {}
        for stream, c in data["conversions"].items():
            if c["method"] == PRICE_PER_POINT:
                conversions[stream] = PricePerPoint(c["pence_per_point"])
            else:
                conversions[stream] = Bands(tuple(Band(b["min_points"], b["max_points"], b["amount_pence"])
                                                  for b in c["bands"]))
        return cls(questions, conversions, data.get("ceiling_points"))


@dataclass(frozen=True)
class Problem:
    """One reason a model cannot be published, naming the field and the rule."""

    field: str
    message: str
    rule: str

    def as_error(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "rule": self.rule}


@dataclass(frozen=True)
class Validation:
    """Whether a model can be published, with every problem that stops it (RAS-01, RAS-03, RAS-04)."""

    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def errors(self) -> list[dict[str, str]]:
        return [p.as_error() for p in self.problems]


def validate(model: ModelDefinition) -> Validation:
    """Every problem that stops ``model`` from being published (RAS-01, RAS-03, RAS-04)."""
    return Validation(tuple(problems(model)))


def problems(model: ModelDefinition) -> list[Problem]:
    """Every problem that stops ``model`` from being published; empty when it is valid (RAS-01, RAS-03)."""
    found = _question_problems(model)
    for stream, conversion in model.conversions.items():
        where = f"conversions.{stream}"
        if stream not in STREAMS:
            found.append(Problem(where, f"unknown stream; one of: {', '.join(STREAMS)}", "RAS-08"))
        elif stream not in model.streams:
            found.append(Problem(where,
                                 "no question is tagged to this stream, so this conversion is never used",
                                 "RAS-03"))
        if isinstance(conversion, Bands):
            found += _band_problems(conversion, model.ceiling_points, where)
        elif conversion.pence_per_point < 0:
            found.append(Problem(f"{where}.pence_per_point", "must be zero or more pence", "RAS-03"))
    for stream in model.streams:
        if stream not in model.conversions:
            found.append(Problem(f"conversions.{stream}",
                                 "questions are tagged to this stream but it has no conversion", "RAS-03"))
    if model.ceiling_points is not None and model.ceiling_points < 0:
        found.append(Problem("ceiling_points", "must be zero or more points", "RAS-04"))
    return found


def _question_problems(model: ModelDefinition) -> list[Problem]:
    found: list[Problem] = []
    if not model.questions:
        found.append(Problem("questions", "a model needs at least one question", "RAS-01"))
    first_seen: dict[str, int] = {}
    for i, q in enumerate(model.questions):
        where = f"questions[{i}]"
        if q.id in first_seen:
            found.append(Problem(f"{where}.id",
                                 f"duplicate question id {q.id!r} (also questions[{first_seen[q.id]}])",
                                 "RAS-01"))
        first_seen.setdefault(q.id, i)
        if q.stream not in STREAMS:
            found.append(Problem(f"{where}.stream",
                                 f"unknown stream {q.stream!r}; one of: {', '.join(STREAMS)}",
                                 "RAS-01"))
        if not q.options:
            found.append(Problem(f"{where}.options", "a question needs at least one answer option", "RAS-01"))
        option_ids: set[str] = set()
        for k, o in enumerate(q.options):
            if o.id in option_ids:
                found.append(Problem(f"{where}.options[{k}].id", f"duplicate option id {o.id!r}", "RAS-01"))
            option_ids.add(o.id)
            if not isinstance(o.points, int) or isinstance(o.points, bool) or o.points < 0:
                found.append(Problem(f"{where}.options[{k}].points",
                                     "must be a whole number of points, 0 or more",
                                     "RAS-01"))
    return found


def _band_problems(conversion: Bands, ceiling: int | None, where: str) -> list[Problem]:
    """Bands must run from 0 points, in order, each starting one point after the previous ends, up to the
    ceiling when the model has one: every score up to the ceiling falls in exactly one band (RAS-03)."""
    bands = conversion.bands
    if not bands:
        return [Problem(f"{where}.bands", "a banded conversion needs at least one band", "RAS-03")]
    found: list[Problem] = []
    for i, band in enumerate(bands):
        at = f"{where}.bands[{i}]"
        if band.min_points > band.max_points:
            found.append(Problem(at, f"min_points {band.min_points} is above max_points {band.max_points}",
                                 "RAS-03"))
        if band.amount_pence < 0:
            found.append(Problem(f"{at}.amount_pence", "must be zero or more pence", "RAS-03"))
        expected = 0 if i == 0 else bands[i - 1].max_points + 1
        if band.min_points > expected:
            start = "the bands must start at 0 points; " if i == 0 else ""
            found.append(Problem(at, f"starts at {band.min_points} points: {start}{expected}–"
                                     f"{band.min_points - 1} points fall in no band", "RAS-03"))
        elif band.min_points < expected:
            what = ("the bands must start at 0 points" if i == 0
                    else f"overlaps bands[{i - 1}] (which ends at {bands[i - 1].max_points} points)")
            found.append(Problem(at, f"starts at {band.min_points} points: {what}", "RAS-03"))
    if ceiling is not None and bands[-1].max_points != ceiling:
        found.append(Problem(f"{where}.bands[{len(bands) - 1}]",
                             f"ends at {bands[-1].max_points} points but the ceiling is {ceiling}: the bands "
                             "must cover every score up to the ceiling and no more", "RAS-03"))
    return found
