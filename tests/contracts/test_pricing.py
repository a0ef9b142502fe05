"""CON-01 block unit price, CON-08 personal-budget price, CON-04 release limit, splits by funder: pure."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kit.money import pounds
from services.contracts.domain.money import split_by_shares
from services.contracts.domain.pricing import (
    block_cost_pence,
    block_unit_price,
    personal_budget_price,
    release_limit_units,
)


def test_CON_01_block_unit_price_is_annual_value_over_units_rounded_down_with_the_remainder_stated():
    price = block_unit_price(annual_value_pence=100_000_01, contracted_units=3, unit="session")
    assert (price.pence, price.remainder_pence) == (33_333_33, 2)
    assert "£100,000.01 a year ÷ 3 sessions = £33,333.33 per session" in price.arithmetic
    assert "2p a year left over" in price.arithmetic


def test_CON_01_releasing_every_unit_gives_back_exactly_the_annual_value():
    assert block_cost_pence(annual_value_pence=100_000_01, contracted_units=3, units=3) == 100_000_01
    assert block_cost_pence(annual_value_pence=100_000_01, contracted_units=3, units=1) == 33_333_33


def test_CON_08_personal_budget_price_is_marginal_part_plus_fair_share_of_fixed_costs():
    # £480,000 a year for 4,800 hours, 25% fixed: £100 an hour = £75 marginal + £25 fixed share.
    pb = personal_budget_price(annual_value_pence=480_000_00, contracted_units=4_800, fixed_cost_percent=25,
                               units=12, unit="hour")
    assert (pb.total_pence, pb.marginal_pence, pb.fixed_share_pence) == (1_200_00, 900_00, 300_00)
    assert "fair share of fixed costs: £120,000.00 × 12 ÷ 4,800 = £300.00" in pb.arithmetic
    assert pb.arithmetic.endswith("= £1,200.00 (rounded down to the penny)")


@settings(max_examples=150, deadline=None)
@given(value=st.integers(1, 10**11), units=st.integers(1, 10**6), fixed=st.integers(0, 100), data=st.data())
def test_CON_08_the_two_parts_always_add_back_to_the_block_cost_and_never_exceed_it(value, units, fixed,
                                                                                     data):
    n = data.draw(st.integers(1, units))
    pb = personal_budget_price(annual_value_pence=value, contracted_units=units, fixed_cost_percent=fixed,
                               units=n, unit="hour")
    assert pb.marginal_pence + pb.fixed_share_pence == pb.total_pence
    assert pb.total_pence == block_cost_pence(annual_value_pence=value, contracted_units=units, units=n)
    assert pb.total_pence * units <= value * n  # rounded down: releases never outgrow the contract
    assert pb.marginal_pence >= 0 and pb.fixed_share_pence >= 0


@pytest.mark.parametrize("units, pct, retained, limit", [
    (1000, 20, None, 200),      # the maximum share alone
    (1000, 20, 900, 100),       # the minimum volume is the tighter limit
    (1000, 20, 700, 200),       # the share is the tighter limit
    (999, 10, None, 99),        # rounded down: never more than the share
    (1000, 0, None, 0),
    (1000, 100, 1000, 0),
])
def test_CON_04_release_limit_takes_the_tighter_of_share_and_retained_volume(units, pct, retained, limit):
    assert release_limit_units(contracted_units=units, max_release_percent=pct,
                               min_retained_units=retained) == limit


@settings(max_examples=150, deadline=None)
@given(amount=st.integers(0, 10**12), council=st.integers(0, 100))
def test_CON_06_a_public_purse_split_adds_back_exactly(amount, council):
    parts = split_by_shares(amount, {"council": council, "icb": 100 - council})
    assert sum(parts.values()) == amount
    for name, pct in (("council", council), ("icb", 100 - council)):
        assert abs(parts[name] * 100 - amount * pct) < 100  # each part is within a penny of its share


def test_pounds_reads_as_money():
    assert pounds(123456) == "£1,234.56" and pounds(5) == "£0.05" and pounds(-250) == "-£2.50"
