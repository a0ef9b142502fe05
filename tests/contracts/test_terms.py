"""The terms a contract keeps, checked without a database (CON-02, CON-03, CON-04, CON-06)."""
from dataclasses import replace
from datetime import date

import pytest

from services.contracts.domain.dates import years_after
from services.contracts.domain.terms import (
    CONTRACT_YEARS_MAX,
    MaximumBelowReleased,
    NewTerms,
    TermsInvalid,
    check_new,
    check_new_max,
    check_review_dates,
)

TERMS = NewTerms(start_date=date(2024, 2, 29), end_date=date(2027, 3, 31), renewal_date=date(2026, 3, 31),
                 contracted_units=4_800, min_retained_units=None, separable=True, inseparable_reason=None,
                 funders={"council": 70, "icb": 30})


def test_a_year_after_29_february_is_28_february_in_a_year_without_one():
    assert years_after(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert years_after(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert years_after(date(2024, 3, 1), 10) == date(2034, 3, 1)


def test_CON_03_a_contract_may_run_ten_years_to_the_day_and_no_longer():
    check_new(replace(TERMS, end_date=date(2034, 2, 28)))
    with pytest.raises(TermsInvalid) as refused:
        check_new(replace(TERMS, end_date=date(2034, 3, 1)))
    assert (refused.value.field, refused.value.rule) == ("end_date", "CON-03")
    assert f"at most {CONTRACT_YEARS_MAX} years" in refused.value.message


@pytest.mark.parametrize("change, field, rule", [
    ({"min_retained_units": 4_801}, "min_retained_units", "CON-04"),
    ({"separable": False}, "inseparable_reason", "CON-02"),
    ({"funders": {"council": 70, "icb": 20}}, "funders", "CON-06"),
    ({"renewal_date": date(2027, 4, 1)}, "renewal_date", None),
])
def test_each_term_that_cannot_hold_names_its_field_and_rule(change, field, rule):
    with pytest.raises(TermsInvalid) as refused:
        check_new(replace(TERMS, **change))
    assert (refused.value.field, refused.value.rule) == (field, rule)


def test_CON_03_a_review_is_not_in_the_future_and_its_next_renewal_falls_before_the_end():
    dates = {"start_date": TERMS.start_date, "end_date": TERMS.end_date, "renewal_date": TERMS.renewal_date,
             "new_end_date": None}
    check_review_dates(reviewed_on=date(2026, 1, 5), today=date(2026, 1, 5), next_renewal_date=date(2027, 3, 31),
                       **dates)
    with pytest.raises(TermsInvalid, match="reviewed_on"):
        check_review_dates(reviewed_on=date(2026, 1, 6), today=date(2026, 1, 5), next_renewal_date=None, **dates)
    with pytest.raises(TermsInvalid, match="next_renewal_date"):
        check_review_dates(reviewed_on=date(2026, 1, 5), today=date(2026, 1, 5),
                           next_renewal_date=date(2027, 4, 1), **dates)


def test_CON_04_a_review_lowers_the_maximum_only_as_far_as_the_units_released():
    check_new_max(5, contracted_units=4_800, min_retained_units=None, released_units=240)
    with pytest.raises(MaximumBelowReleased, match="a maximum of 4% allows 192 units, but 240 are already released"):
        check_new_max(4, contracted_units=4_800, min_retained_units=None, released_units=240)
