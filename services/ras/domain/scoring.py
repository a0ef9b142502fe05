"""Scoring answers against a model version: points per stream (RAS-02), money per stream (RAS-03, RAS-08),
referral to panel (RAS-04) and the explanation a family can follow (RAS-06). Pure: no I/O."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kit.money import pounds
from services.ras.domain.definition import BANDS, PRICE_PER_POINT, Band, Bands, Conversion, ModelDefinition


class AnswersInvalid(Exception):
    """RAS-02: a missing answer or an unknown question or option is refused, never scored as zero."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors



@dataclass(frozen=True)
class ScoredAnswer:
    question_id: str
    domain: str
    stream: str
    option_id: str
    option_label: str
    points: int
    question_text: str = ""


@dataclass(frozen=True)
class StreamResult:
    """One stream's points, how they became money (or why they did not) and the arithmetic in words."""

    stream: str
    points: int
    method: str
    amount_pence: int | None          # None when referred to panel
    referred_to_panel: bool
    arithmetic: str
    pence_per_point: int | None = None
    band: Band | None = None


@dataclass(frozen=True)
class Scored:
    answers: tuple[ScoredAnswer, ...]
    streams: tuple[StreamResult, ...]

    @property
    def points(self) -> dict[str, int]:
        return {s.stream: s.points for s in self.streams}

    @property
    def indicative_pence(self) -> dict[str, int]:
        """Money per stream; a stream referred to panel has no entry (RAS-04)."""
        return {s.stream: s.amount_pence for s in self.streams if s.amount_pence is not None}

    @property
    def total_indicative_pence(self) -> int:
        return sum(self.indicative_pence.values())

    @property
    def referred_streams(self) -> list[str]:
        return [s.stream for s in self.streams if s.referred_to_panel]

    @property
    def referred_to_panel(self) -> bool:
        return bool(self.referred_streams)


def check_answers(model: ModelDefinition, answers: Mapping[str, str]) -> list[ScoredAnswer]:
    """Each question's chosen option, in questionnaire order; every problem at once (RAS-02)."""
    errors: list[dict[str, str]] = []
    known = {q.id for q in model.questions}
    for question_id in answers:
        if question_id not in known:
            errors.append({"field": f"answers.{question_id}", "message": "unknown question in this model"})
    scored: list[ScoredAnswer] = []
    for q in model.questions:
        field = f"answers.{q.id}"
        if q.id not in answers:
            errors.append({"field": field, "message": "required: every question must be answered"})
            continue
        option = q.option(answers[q.id])
        if option is None:
            choices = ", ".join(o.id for o in q.options)
            errors.append({"field": field, "message": f"unknown option {answers[q.id]!r}; one of: {choices}"})
            continue
        scored.append(ScoredAnswer(q.id, q.domain, q.stream, option.id, option.label, option.points, q.text))
    if errors:
        raise AnswersInvalid(errors)
    return scored


def convert(stream: str, points: int, conversion: Conversion, ceiling_points: int | None) -> StreamResult:
    """Points to money for one stream: above the ceiling or outside every band is referred to panel (RAS-04);
    otherwise points × pence per point, or the amount of the band the points fall in (RAS-03)."""
    if ceiling_points is not None and points > ceiling_points:
        return StreamResult(stream, points, conversion.method, None, True,
                            f"{points} points is above the model's ceiling of {ceiling_points} points: "
                            "referred to panel", getattr(conversion, "pence_per_point", None))
    if isinstance(conversion, Bands):
        band = conversion.band_for(points)
        if band is None:
            return StreamResult(stream, points, BANDS, None, True,
                                f"{points} points is outside every band: referred to panel")
        return StreamResult(stream, points, BANDS, band.amount_pence, False,
                            f"{points} points is in the band {band.describe()}, which gives "
                            f"{pounds(band.amount_pence)}", band=band)
    amount = points * conversion.pence_per_point
    return StreamResult(stream, points, PRICE_PER_POINT, amount, False,
                        f"{points} points × {pounds(conversion.pence_per_point)} a point = {pounds(amount)}",
                        pence_per_point=conversion.pence_per_point)


def score(model: ModelDefinition, answers: Mapping[str, str]) -> Scored:
    """Score one assessment: a separate indicative amount for every stream the model covers (RAS-08); points
    per stream are the sum of the points of that stream's answers (RAS-02)."""
    scored = check_answers(model, answers)
    streams = tuple(
        convert(stream, sum(a.points for a in scored if a.stream == stream), model.conversions[stream],
                model.ceiling_points)
        for stream in model.streams)
    return Scored(tuple(scored), streams)
