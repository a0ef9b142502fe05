"""Calibration (RAS-07): given a cohort's points and the money available per stream less a contingency
reserve, propose the conversion that spends as much as possible without going over. A what-if: nothing here
changes a model.

Rounding, stated once: the contingency reserve is rounded UP to the penny (so the money to spend is rounded
down); a proposed price per point is whole pence, rounded down; a band scale factor is whole basis points
(1/100 of a percent), rounded down, and each scaled band amount is rounded down to the penny. Integer
arithmetic throughout."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BASIS_POINTS = 10_000  # 100.00 %


class CannotCalibrate(Exception):
    """The cohort gives nothing to scale: no assessments, or no points (or banded money) in the stream."""


@dataclass(frozen=True)
class Budget:
    """Money available for a stream, the contingency reserve held back, and what is left to allocate."""

    available_pence: int
    contingency_pence: int
    spendable_pence: int


def budget_after_contingency(available_pence: int, contingency_basis_points: int) -> Budget:
    """Hold back ``contingency_basis_points`` of the money (DEFAULT 5–10 %), the reserve rounded up to the
    penny."""
    if available_pence < 0 or not 0 <= contingency_basis_points <= BASIS_POINTS:
        raise ValueError("available money and contingency must not be negative; contingency at most 100 %")
    spendable = available_pence * (BASIS_POINTS - contingency_basis_points) // BASIS_POINTS
    return Budget(available_pence, available_pence - spendable, spendable)


def price_per_point(total_points: int, spendable_pence: int) -> int:
    """The LARGEST whole pence per point whose cohort total fits: ``price × total_points ≤ spendable``, and
    one penny more would not fit, so at most one point's worth per point (under a penny each) is left
    unallocated."""
    if total_points <= 0:
        raise CannotCalibrate("the cohort has no points in this stream, so no price per point can be set")
    return spendable_pence // total_points


def scaled(amount_pence: int, basis_points: int) -> int:
    """A band amount scaled by ``basis_points`` / 10,000, rounded down to the penny."""
    return amount_pence * basis_points // BASIS_POINTS


def banded_total(band_counts: Sequence[tuple[int, int]], basis_points: int) -> int:
    """The cohort's total when every band amount is scaled: ``band_counts`` is ``(amount_pence,
    assessments)``."""
    return sum(count * scaled(amount, basis_points) for amount, count in band_counts)


def band_scale(band_counts: Sequence[tuple[int, int]], spendable_pence: int) -> int:
    """The LARGEST whole basis-point scale whose scaled cohort total fits within ``spendable_pence``."""
    unscaled = banded_total(band_counts, BASIS_POINTS)
    if unscaled <= 0:
        raise CannotCalibrate("the cohort has no money in this stream's bands (every assessment is in a £0 "
                              "band or referred), so there is nothing to scale")
    assessments = sum(count for _amount, count in band_counts)
    # total(f) ≥ unscaled·f/10,000 − assessments (each scaled amount loses under a penny): this f is too big.
    too_big = (spendable_pence + assessments) * BASIS_POINTS // unscaled + 1
    fits = 0
    while too_big - fits > 1:  # total(f) never falls as f grows: bisect for the last f that fits
        middle = (fits + too_big) // 2
        if banded_total(band_counts, middle) <= spendable_pence:
            fits = middle
        else:
            too_big = middle
    return fits
