"""RAS-07 calibration arithmetic without a database: the proposal fits the money after contingency and is the
largest that does. Whole pence and whole basis points only; the rounding is stated in the module."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ras.domain.calibration import (
    BASIS_POINTS,
    CannotCalibrate,
    band_scale,
    banded_total,
    budget_after_contingency,
    price_per_point,
    scaled,
)

NORFOLK_AMOUNTS = (0, 50_000, 100_000, 150_000, 280_000, 400_000, 600_000)


@pytest.mark.parametrize(("available", "basis_points", "contingency", "spendable"), [
    (1_000_000, 500, 50_000, 950_000),     # 5 %
    (1_000_000, 750, 75_000, 925_000),     # 7.5 %
    (999, 1_000, 100, 899),                # 99.9p reserve is rounded UP to 100p
    (1, 500, 1, 0),                        # a penny's 5 % reserve is a whole penny
    (1_234_567, 0, 0, 1_234_567),
])
def test_ras_07_the_contingency_is_rounded_up_so_the_money_to_spend_never_exceeds_its_share(
        available, basis_points, contingency, spendable):
    budget = budget_after_contingency(available, basis_points)
    assert (budget.contingency_pence, budget.spendable_pence) == (contingency, spendable)
    assert budget.contingency_pence + budget.spendable_pence == available


def test_ras_07_price_per_point_is_rounded_down_to_whole_pence():
    assert price_per_point(3, 1_000) == 333          # 333 × 3 = 999 ≤ 1,000 < 334 × 3
    assert price_per_point(1_000, 999) == 0


def test_ras_07_a_cohort_without_points_cannot_be_priced():
    with pytest.raises(CannotCalibrate):
        price_per_point(0, 1_000)
    with pytest.raises(CannotCalibrate):
        band_scale([(0, 40), (50_000, 0)], 1_000_000)


def test_ras_07_scaled_band_amounts_are_rounded_down_to_the_penny():
    assert scaled(50_000, 10_000) == 50_000
    assert scaled(50_001, 3_333) == 16_665          # 16,665.33p → 16,665p
    assert banded_total([(50_000, 2), (100_000, 1)], 5_000) == 100_000


cohort_points = st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=400)


@settings(max_examples=150, deadline=None)
@given(cohort_points, st.integers(min_value=0, max_value=10**10), st.integers(min_value=0, max_value=5_000))
def test_ras_07_property_the_price_per_point_fits_and_is_the_largest_that_does(points, available,
                                                                                basis_points):
    budget = budget_after_contingency(available, basis_points)
    total_points = sum(points)
    if total_points == 0:
        with pytest.raises(CannotCalibrate):
            price_per_point(total_points, budget.spendable_pence)
        return
    price = price_per_point(total_points, budget.spendable_pence)
    cohort_total = sum(p * price for p in points)
    assert cohort_total <= budget.spendable_pence <= available - available * basis_points // BASIS_POINTS
    assert sum(p * (price + 1) for p in points) > budget.spendable_pence
    assert budget.spendable_pence - cohort_total < total_points   # under a penny per point is left over


band_cohort = st.lists(st.integers(min_value=0, max_value=50), min_size=7, max_size=7)


@settings(max_examples=150, deadline=None)
@given(band_cohort, st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=5_000))
def test_ras_07_property_the_band_scale_fits_and_is_the_largest_that_does(counts, available, basis_points):
    band_counts = list(zip(NORFOLK_AMOUNTS, counts, strict=True))
    budget = budget_after_contingency(available, basis_points)
    if banded_total(band_counts, BASIS_POINTS) == 0:
        with pytest.raises(CannotCalibrate):
            band_scale(band_counts, budget.spendable_pence)
        return
    factor = band_scale(band_counts, budget.spendable_pence)
    each = {amount: scaled(amount, factor) for amount in NORFOLK_AMOUNTS}
    assert sum(count * each[amount] for amount, count in band_counts) <= budget.spendable_pence
    assert banded_total(band_counts, factor + 1) > budget.spendable_pence
