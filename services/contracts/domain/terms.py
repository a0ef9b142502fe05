"""The terms of a block contract that a schema cannot check field by field: the dates, volumes, reasons and shares
it is recorded with (CON-02, CON-03, CON-04, CON-06), and how a review before renewal may change them (CON-03,
CON-04). Each check names the field it refuses."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from services.contracts.domain.dates import years_after
from services.contracts.domain.pricing import release_limit_units

CONTRACT_YEARS_MAX = 10  # CON-03: a block contract is reviewed at or before renewal; ten years is a long contract


class TermsInvalid(ValueError):
    """A term that cannot hold: the ``field`` it names, why, and the rule it breaks (if one does)."""

    def __init__(self, field: str, message: str, rule: str | None = None) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.rule = field, message, rule


class MaximumBelowReleased(ValueError):
    """CON-04: a new maximum share below the units already released would leave families who stay short."""


@dataclass(frozen=True)
class NewTerms:
    """What a contract is recorded with, as far as the checks across its fields go."""

    start_date: date
    end_date: date
    renewal_date: date
    contracted_units: int
    min_retained_units: int | None
    separable: bool
    inseparable_reason: str | None
    funders: Mapping[str, int]


def check_new(t: NewTerms) -> None:
    """Raise ``TermsInvalid`` for the first term that cannot hold."""
    if t.end_date <= t.start_date:
        raise TermsInvalid("end_date", "must be after start_date")
    if t.end_date > years_after(t.start_date, CONTRACT_YEARS_MAX):
        raise TermsInvalid("end_date", f"at most {CONTRACT_YEARS_MAX} years after start_date: a contract that ends "
                           "later never comes due for review", rule="CON-03")
    if not t.start_date <= t.renewal_date <= t.end_date:
        raise TermsInvalid("renewal_date", "must fall between start_date and end_date")
    if t.min_retained_units is not None and t.min_retained_units > t.contracted_units:
        raise TermsInvalid("min_retained_units", "cannot be more than contracted_units", rule="CON-04")
    if not t.separable and not t.inseparable_reason:
        raise TermsInvalid("inseparable_reason", "say why a child's share cannot be separated", rule="CON-02")
    if sum(t.funders.values()) != 100:
        raise TermsInvalid("funders", "the shares must add up to 100", rule="CON-06")


def check_review_dates(*, reviewed_on: date, today: date, start_date: date, end_date: date, renewal_date: date,
                       new_end_date: date | None, next_renewal_date: date | None) -> None:
    """CON-03: a review is dated between the contract's start and today; a new end date keeps the contract within
    the years it may run from the review, and a next renewal date starts the next cycle before it ends."""
    if reviewed_on > today:
        raise TermsInvalid("reviewed_on", "cannot be in the future")
    if reviewed_on < start_date:
        raise TermsInvalid("reviewed_on", "cannot be before the contract started")
    end_date = new_end_date or end_date
    if end_date <= start_date:
        raise TermsInvalid("new_end_date", "must be after the contract's start_date")
    if end_date > years_after(reviewed_on, CONTRACT_YEARS_MAX):
        raise TermsInvalid("new_end_date", f"at most {CONTRACT_YEARS_MAX} years after the review: a contract that "
                           "ends later never comes due for review", rule="CON-03")
    if next_renewal_date is not None and not renewal_date < next_renewal_date <= end_date:
        raise TermsInvalid("next_renewal_date", "must be after the current renewal date and not after the end date")


def check_new_max(new_max: int, *, contracted_units: int, min_retained_units: int | None,
                  released_units: int) -> None:
    """CON-04: a review may lower the maximum share only as far as the units already released."""
    limit = release_limit_units(contracted_units=contracted_units, max_release_percent=new_max,
                                min_retained_units=min_retained_units)
    if limit < released_units:
        raise MaximumBelowReleased(f"a maximum of {new_max}% allows {limit} units, but {released_units} are already "
                                   "released")
