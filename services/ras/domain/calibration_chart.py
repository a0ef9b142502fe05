"""What the calibration what-if draws (RAS-07, issue 20 "look rather than read"): the cohort's points in equal
ranges (a histogram), and the money line, points → indicative amount under a conversion, today's and the proposed.
Pure: the counts come from the repository, the conversions from the calibration; this only decides the ranges and
the line's vertices, in whole points and pence."""
from __future__ import annotations

from dataclasses import dataclass

from kit.charts import nice_step
from services.ras.domain.definition import Bands, Conversion, PricePerPoint

MOST_BINS = 20  # enough to show a shape, few enough for a table a screen reader can take in
LINE_ROWS = 4   # a price-per-point line is read at 0 and about this many steps along


@dataclass(frozen=True)
class PointsRange:
    """Whole points from ``first`` to ``last``, both included."""

    first: int
    last: int

    def describe(self) -> str:
        return f"{self.first}" if self.first == self.last else f"{self.first} to {self.last}"


def bin_width(highest: int, *, most: int = MOST_BINS) -> int:
    """The width of equal ranges, 1, 2 or 5 × 10ⁿ points, that cover 0 to ``highest`` in at most ``most``."""
    return nice_step(highest + 1, most)


def bins(highest: int, width: int) -> list[PointsRange]:
    """Ranges of ``width`` points from 0, the last one holding ``highest``: bin ``i`` is what ``points // width``
    gives for every score in it (the repository groups by that)."""
    return [PointsRange(i * width, (i + 1) * width - 1) for i in range(highest // width + 1)]


def money_line(conversion: Conversion, highest: int) -> tuple[tuple[int, int], ...]:
    """The line's vertices (points, pence) from 0 to ``highest`` points: a straight line for a price per point; a
    flat step per band, each running to the next band's first point (a step is two vertices at one x)."""
    if isinstance(conversion, PricePerPoint):
        return (0, 0), (highest, conversion.pence_per_point * highest)
    vertices: list[tuple[int, int]] = []
    for band in conversion.bands:
        if band.min_points > highest:
            break
        vertices += [(band.min_points, band.amount_pence), (min(band.max_points, highest) + 1, band.amount_pence)]
    return tuple(vertices)


@dataclass(frozen=True)
class LineRow:
    """One row of the money line's table: the amount at these points, today and as proposed."""

    points: PointsRange
    current_pence: int
    proposed_pence: int


def line_rows(current: Conversion, proposed: Conversion, highest: int) -> list[LineRow]:
    """The money line as a table: per band (bands keep their points, only the amounts scale), or for a price per
    point the amount at 0 and at even steps up to ``highest``."""
    if isinstance(current, Bands) and isinstance(proposed, Bands):
        return [LineRow(PointsRange(b.min_points, b.max_points), b.amount_pence, p.amount_pence)
                for b, p in zip(current.bands, proposed.bands, strict=True) if b.min_points <= highest]
    if isinstance(current, PricePerPoint) and isinstance(proposed, PricePerPoint):
        step = nice_step(max(highest, 1), LINE_ROWS)
        marks = sorted({*range(0, highest + 1, step), highest})
        return [LineRow(PointsRange(m, m), current.pence_per_point * m, proposed.pence_per_point * m)
                for m in marks]
    raise ValueError("a calibration proposes a conversion of the same method as today's")
