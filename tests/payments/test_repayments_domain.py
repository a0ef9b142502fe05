"""PAY-10 in the domain: overpaid and misused amounts, and repayment plans that add back exactly (hypothesis)."""
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payments.domain import repayments as rules
from services.payments.domain.errors import Invalid, Refused

PAID = [(date(2026, 11, 1), 40000), (date(2026, 11, 29), 40000), (date(2026, 12, 27), 40000)]


def test_PAY_10_overpaid_is_what_was_paid_since_the_change_less_what_was_still_owed():
    found = rules.overpaid(PAID, changed_on=date(2026, 11, 29), owed_pence=10000, why="the PA stopped")
    assert found.amount_pence == 70000
    assert "£80,000" not in found.reasons[1] and "£800.00" in found.reasons[1] and "£700.00" in found.reasons[1]


def test_PAY_10_overpaid_never_more_than_paid_since_the_change():
    with pytest.raises(Invalid) as nothing:
        rules.overpaid(PAID, changed_on=date(2027, 1, 1), owed_pence=0, why="x")
    assert nothing.value.rule == "PAY-10" and nothing.value.errors[0]["field"] == "changed_on"
    with pytest.raises(Invalid) as owed:
        rules.overpaid(PAID, changed_on=date(2026, 12, 27), owed_pence=40000, why="x")
    assert owed.value.errors[0]["field"] == "owed_pence"


def test_PAY_10_misuse_needs_evidence_and_is_never_more_than_paid_in_the_period():
    with pytest.raises(Invalid) as no_evidence:
        rules.misused(100, evidence=[], paid_in_period_pence=1000, period_start=date(2026, 1, 1),
                      period_end=date(2026, 12, 31), why="a holiday")
    assert no_evidence.value.errors[0]["field"] == "evidence" and no_evidence.value.rule == "PAY-10"
    evidence = [{"description": "Bank statement", "reference": "DOC-7"}]
    with pytest.raises(Invalid) as too_much:
        rules.misused(1001, evidence=evidence, paid_in_period_pence=1000, period_start=date(2026, 1, 1),
                      period_end=date(2026, 12, 31), why="a holiday")
    assert too_much.value.errors[0]["field"] == "amount_pence" and too_much.value.rule == "PAY-10"
    found = rules.misused(1000, evidence=evidence, paid_in_period_pence=1000, period_start=date(2026, 1, 1),
                          period_end=date(2026, 12, 31), why="a holiday")
    assert found.amount_pence == 1000 and "DOC-7" in found.reasons[1]


def test_PAY_10_a_deduction_never_takes_an_instalment_below_the_floor():
    plan = rules.deduction_schedule(30000, [(1, 40000, 0), (2, 40000, 15000), (3, 40000, 0)],
                                    per_instalment_pence=25000, per_instalment_percent=None, floor_percent=50)
    assert plan == [(1, 20000), (2, 5000), (3, 5000)]
    with pytest.raises(Refused) as short:
        rules.deduction_schedule(50000, [(1, 40000, 0)], per_instalment_pence=None, per_instalment_percent=50,
                                 floor_percent=50)
    assert short.value.rule == "PAY-10"


instalments = st.lists(st.tuples(st.integers(1, 200_000), st.integers(0, 100)), min_size=1, max_size=30)


@given(amount=st.integers(1, 2_000_000), rows=instalments, fixed=st.one_of(st.none(), st.integers(1, 100_000)),
       percent=st.integers(1, 100), floor=st.integers(0, 100))
def test_PAY_10_property_a_deduction_plan_adds_back_exactly_within_the_floor(amount, rows, fixed, percent, floor):
    upcoming = [(n, a, a * d // 100) for n, (a, d) in enumerate(rows)]
    try:
        plan = rules.deduction_schedule(amount, upcoming, per_instalment_pence=fixed,
                                        per_instalment_percent=None if fixed else percent, floor_percent=floor)
    except Refused:
        room = sum(max(a - d - rules.floor_pence(a, floor), 0) for _, a, d in upcoming)
        assert room < amount or fixed is not None or percent < 100
        return
    assert sum(take for _, take in plan) == amount
    by_id = {n: (a, d) for n, a, d in upcoming}
    for ident, take in plan:
        a, d = by_id[ident]
        assert take > 0 and a - d - take >= rules.floor_pence(a, floor)


@given(amount=st.integers(1, 10_000_000), n=st.integers(1, 120))
def test_PAY_10_property_an_invoice_plan_adds_back_exactly_the_last_taking_the_remainder(amount, n):
    if n > amount:
        with pytest.raises(Invalid):
            rules.invoice_schedule(amount, instalments=n, first_due=date(2027, 1, 31))
        return
    plan = rules.invoice_schedule(amount, instalments=n, first_due=date(2027, 1, 31))
    parts = [p for _, p in plan]
    assert sum(parts) == amount and len(parts) == n and len(set(parts[:-1])) <= 1 and parts[-1] >= parts[0]
    dates = [d for d, _ in plan]
    assert dates == sorted(dates) and len(set(dates)) == n


def test_PAY_10_nothing_recoverable_is_a_refusal_and_never_more_than_recoverable():
    with pytest.raises(Refused) as nothing:
        rules.anything_recoverable(0)
    assert nothing.value.rule == "PAY-10"
    with pytest.raises(Invalid) as more:
        rules.within_recoverable(101, 100)
    assert more.value.errors[0]["field"] == "amount_pence"
    rules.within_recoverable(100, 100)
