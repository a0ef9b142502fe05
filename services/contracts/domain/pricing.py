"""What a unit of a block contract costs (CON-01) and what it is worth to a personal budget (CON-08).

Rounding, stated once: every division of money is rounded *down* to the whole penny. So the prices of units
released into personal budgets can never add up to more than the contract is worth, and the pence left over
stay with the contract (they are shown as ``remainder_pence``)."""
from __future__ import annotations

from dataclasses import dataclass

from kit.money import pounds
from services.contracts.domain.money import plural


@dataclass(frozen=True)
class BlockUnitPrice:
    """CON-01: block unit price = annual value ÷ contracted units."""

    pence: int
    remainder_pence: int
    arithmetic: str


def block_unit_price(*, annual_value_pence: int, contracted_units: int, unit: str) -> BlockUnitPrice:
    """CON-01, rounded down to the whole penny with the remainder stated."""
    pence, remainder = divmod(annual_value_pence, contracted_units)
    arithmetic = (f"{pounds(annual_value_pence)} a year ÷ {plural(contracted_units, unit)} = {pounds(pence)} "
                  f"per {unit} (rounded down to the penny; {remainder}p a year left over)")
    return BlockUnitPrice(pence, remainder, arithmetic)


def block_cost_pence(*, annual_value_pence: int, contracted_units: int, units: int) -> int:
    """CON-01/CON-05: what ``units`` cost under the block, from the exact fraction (not the rounded unit
    price), so releasing every unit gives back exactly the annual value."""
    return annual_value_pence * units // contracted_units


@dataclass(frozen=True)
class PersonalBudgetPrice:
    """CON-08: the personal-budget price of some units = marginal payments + a fair share of fixed costs."""

    units: int
    total_pence: int
    marginal_pence: int
    fixed_share_pence: int
    arithmetic: str


def personal_budget_price(*, annual_value_pence: int, contracted_units: int, fixed_cost_percent: int,
                          units: int, unit: str) -> PersonalBudgetPrice:
    """CON-08. The fixed costs (``fixed_cost_percent`` of the annual value: premises, management, on-call
    cover) are shared fairly over every contracted unit; the marginal part is what the provider spends per
    unit delivered. The fair share is taken first (rounded down) and the marginal part is the rest, so the two
    add back exactly to the block cost of the units (CON-05's cap)."""
    total = block_cost_pence(annual_value_pence=annual_value_pence, contracted_units=contracted_units,
                             units=units)
    fixed_total = annual_value_pence * fixed_cost_percent // 100
    fixed_share = annual_value_pence * fixed_cost_percent * units // (100 * contracted_units)
    marginal = total - fixed_share
    arithmetic = (
        f"marginal part: ({pounds(annual_value_pence)} − {fixed_cost_percent}% fixed costs "
        f"{pounds(fixed_total)}) × {units:,} ÷ {contracted_units:,} = {pounds(marginal)}; "
        f"fair share of fixed costs: {pounds(fixed_total)} × {units:,} ÷ {contracted_units:,} = "
        f"{pounds(fixed_share)}; personal-budget price of {plural(units, unit)} = {pounds(marginal)} + "
        f"{pounds(fixed_share)} = {pounds(total)} (rounded down to the penny)"
    )
    return PersonalBudgetPrice(units, total, marginal, fixed_share, arithmetic)


def release_limit_units(*, contracted_units: int, max_release_percent: int,
                        min_retained_units: int | None) -> int:
    """CON-04: the most units that may leave the contract in total: the maximum share, and never so many that
    fewer than the minimum volume stay for the families who remain."""
    by_share = contracted_units * max_release_percent // 100
    by_volume = contracted_units - (min_retained_units or 0)
    return max(0, min(by_share, by_volume))


@dataclass(frozen=True)
class ReleaseState:
    """CON-04: how many units may leave the contract, how many have, and how many are still available."""

    limit_units: int
    released_units: int
    available_units: int
    released_pence: int


def release_state(*, contracted_units: int, max_release_percent: int, min_retained_units: int | None,
                  released_units: int, released_pence: int) -> ReleaseState:
    """CON-04: the release limit, what is released so far, and what is left (never below nothing)."""
    limit = release_limit_units(contracted_units=contracted_units, max_release_percent=max_release_percent,
                                min_retained_units=min_retained_units)
    return ReleaseState(limit, released_units, max(0, limit - released_units), released_pence)
