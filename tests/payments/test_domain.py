"""Pure rules: schedules (PAY-03), surplus (PAY-06), deductions (PAY-07), masking and the BACS file."""
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.payments import domain
from services.payments.domain import bankfile
from tests.payments.standard18 import read_file

FREQUENCIES = st.sampled_from(["four_weekly", "monthly"])
DATES = st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31))
PENCE = st.integers(min_value=0, max_value=10_000_000_000)


def year_end(start: date) -> date:
    return domain.add_months(start, 12) - timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(annual=PENCE, frequency=FREQUENCIES, start=DATES)
def test_PAY_03_instalments_add_up_exactly_with_the_remainder_stated_on_one(annual, frequency, start):
    plan = domain.plan_schedule(annual, frequency, start, year_end(start))
    assert len(plan) == domain.INSTALMENTS_A_YEAR[frequency]
    assert sum(i.amount_pence for i in plan) == annual
    amounts = {i.amount_pence for i in plan}
    assert max(amounts) - min(amounts) < len(plan)  # equal but for the remainder pennies
    assert plan[0].due_date == start
    assert all(a.due_date < b.due_date for a, b in zip(plan, plan[1:], strict=False))
    assert plan[-1].due_date < start + timedelta(days=366)
    remainder = annual % len(plan)
    carrying = [i for i in plan if "added to this instalment" in i.basis]
    assert len(carrying) == (1 if remainder else 0)
    assert all(f"remainder {remainder}p" in i.basis for i in plan)


@settings(max_examples=300, deadline=None)
@given(annual=PENCE, frequency=FREQUENCIES, start=DATES, days=st.integers(0, 4 * 366))
def test_PAY_03_a_schedule_stays_within_its_dates_each_plan_year_exact_and_a_part_year_pro_rata(
        annual, frequency, start, days):
    end = start + timedelta(days=days)
    plan = domain.plan_schedule(annual, frequency, start, end)
    assert plan and all(start <= i.due_date <= end for i in plan)
    assert [i.seq for i in plan] == list(range(1, len(plan) + 1))
    assert all(a.due_date < b.due_date for a, b in zip(plan, plan[1:], strict=False))
    expected = 0
    for first, last, full_days in domain.plan_years(start, end):
        year = [i for i in plan if first <= i.due_date <= last]
        assert year and year[0].due_date == first
        if (last - first).days + 1 == full_days:
            assert sum(i.amount_pence for i in year) == annual
        else:  # pro rata by days, rounded down, and said so
            share = annual * ((last - first).days + 1) // full_days
            assert sum(i.amount_pence for i in year) == share
            assert all("pro rata" in i.basis for i in year)
        expected += sum(i.amount_pence for i in year)
    assert sum(i.amount_pence for i in plan) == expected


def test_PAY_03_a_six_month_agreement_pays_half_a_year_and_a_two_year_one_each_year():
    half = domain.plan_schedule(520000, "monthly", date(2026, 12, 1), date(2027, 5, 31))
    assert [i.due_date.month for i in half] == [12, 1, 2, 3, 4, 5]
    assert sum(i.amount_pence for i in half) == 520000 * 182 // 365
    assert half[0].basis.startswith("part year 2026-12-01 to 2027-05-31: £5,200.00 a year × 182/365 days")
    two = domain.plan_schedule(520000, "four_weekly", date(2026, 12, 1), date(2028, 11, 30))
    assert len(two) == 26 and sum(i.amount_pence for i in two) == 2 * 520000
    assert two[13].due_date == date(2027, 12, 1)


def test_PAY_03_a_schedule_ending_with_the_calendar_pays_its_last_day_pro_rata():
    plan = domain.plan_schedule(120000, "monthly", date(9998, 12, 31), date(9999, 12, 31))
    assert plan[-1].due_date == date(9999, 12, 31) and plan[-1].amount_pence == 120000 // 365
    assert sum(i.amount_pence for i in plan) == 120000 + 120000 // 365


@settings(max_examples=150, deadline=None)
@given(annual=PENCE, new=PENCE, frequency=FREQUENCIES, start=DATES, days=st.integers(0, 3 * 366),
       kept=st.integers(0, 40))
def test_PAY_03_a_re_plan_keeps_each_year_exact_whenever_the_new_amount_covers_what_was_paid(
        annual, new, frequency, start, days, kept):
    end = start + timedelta(days=days)
    plan = domain.plan_schedule(annual, frequency, start, end)
    kept = min(kept, len(plan) - 1)
    on = plan[kept].due_date
    current = [(i.due_date, i.amount_pence, n < kept) for n, i in enumerate(plan)]
    replanned = domain.replan(annual_pence=new, frequency=frequency, start=start, end=end, current=current,
                              on=on)
    assert [i.due_date for i in replanned] == [i.due_date for i in plan]
    assert all(i.amount_pence >= 0 for i in replanned)
    assert all(r.amount_pence == p.amount_pence for r, p in zip(replanned[:kept], plan[:kept], strict=True))
    target = domain.plan_schedule(new, frequency, start, end)
    for first, last, _ in domain.plan_years(start, end):
        def year(rows, first=first, last=last):
            return sum(i.amount_pence for i in rows if first <= i.due_date <= last)
        paid = sum(i.amount_pence for i in plan[:kept] if first <= i.due_date <= last)
        open_left = any(first <= i.due_date <= last for i in plan[kept:])
        assert year(replanned) == (max(year(target), paid) if open_left else paid)


@pytest.mark.parametrize(("annual", "frequency", "basis"), [
    (520000, "four_weekly", "£5,200.00 a year ÷ 13 = £400.00; remainder 0p"),
    (100000, "monthly", "£1,000.00 a year ÷ 12 = £83.33; remainder 4p added to this instalment = £83.37"),
])
def test_PAY_03_each_instalment_states_how_it_was_calculated(annual, frequency, basis):
    assert domain.plan_schedule(annual, frequency, date(2026, 12, 1), date(2027, 11, 30))[0].basis == basis


def test_PAY_03_monthly_instalments_fall_on_the_same_day_or_the_end_of_a_short_month():
    dates = domain.due_dates("monthly", date(2027, 1, 31))
    assert dates[:3] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]


@pytest.mark.parametrize(("weeks", "balance", "commitments", "contingency", "surplus"), [
    (8, 100000, 15000, 80000, 5000),
    (8, 50000, 0, 80000, 0),       # below the contingency: nothing is reclaimed
    (4, 100000, 15000, 40000, 45000), (10, 200000, 0, 100000, 100000),
])
def test_PAY_06_surplus_is_balance_less_commitments_less_contingency(weeks, balance, commitments,
                                                                     contingency, surplus):
    result = domain.surplus(balance_pence=balance, commitments_pence=commitments, annual_pence=520000,
                            contingency_weeks=weeks)
    assert (result.contingency_pence, result.surplus_pence) == (contingency, surplus)


def test_PAY_07_deductions_come_from_the_soonest_instalments_and_never_exceed_them():
    assert domain.deduction_plan(50000, [(1, 40000), (2, 40000), (3, 40000)]) == [(1, 40000), (2, 10000)]
    assert domain.deduction_plan(90000, [(1, 0), (2, 40000)]) == [(2, 40000)]


def test_bank_details_are_masked_but_for_the_last_4_digits():
    assert (domain.mask("12345678"), domain.mask("401276"), domain.mask(None)) == ("****5678", "**1276", None)


ORIGIN = bankfile.Originator("200000", "55779911", "123456", "SENDPB DIRECT PAY")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 99_999_999), st.text(min_size=1, max_size=40)), min_size=1,
                max_size=30))
def test_a_bacs18_file_has_100_character_records_whose_credits_sum_to_the_contra(items):
    credits = [bankfile.Credit(f"p{n}", "a", "401276", "12345678", name, f"REF{n}", amount, date(2026, 12, 1))
               for n, (amount, name) in enumerate(items)]
    text = bankfile.bacs18(credits, origin=ORIGIN, submission=bankfile.Submission(
        date(2026, 12, 1), 1, date(2026, 11, 27)))
    read_file(text)  # every field of every record as the published layouts have it, whatever the names hold
    lines = text.split("\r\n")[:-1]
    assert all(len(line) == 80 for line in lines[:4] + lines[-3:])
    assert lines[3].startswith("UHL1 26335999999")
    body = lines[4:-3]
    assert all(len(line) == 100 for line in body)
    assert [line[15:17] for line in body] == ["99"] * len(items) + ["17"]
    assert sum(int(line[35:46]) for line in body[:-1]) == int(body[-1][35:46]) == sum(a for a, _ in items)
    first = body[0]
    assert (first[:6], first[6:14], first[14], first[17:23], first[23:31]) == ("401276", "12345678", "0",
                                                                                "200000", "55779911")
    assert first[46:64] == "SENDPB DIRECT PAY " and first[64:82] == "REF0".ljust(18)
    assert first[82:100] == bankfile.bacs_text(items[0][1]) and len(first[82:100].rstrip()) <= 18
    assert body[-1][:14] == "20000055779911"


def test_a_bulk_built_payment_issued_event_is_exactly_the_documented_envelope():
    from datetime import UTC, datetime

    from kit.events import Envelope
    from services.payments import events

    at = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
    [event_id, payment_id] = events.new_ids(2)
    fields = {"payment_id": payment_id, "agreement_id": "a-1", "budget_id": None,
              "child_id": 'C-"Zoë"\\1', "stream": None, "amount_pence": 40001, "due_date": date(2026, 11, 24)}
    bodies = events.IssuedBodies(la="E06000060", run_id="run-1", issued_on=date(2026, 12, 1), occurred_at=at)
    body = bodies.body(event_id=event_id, **fields)  # what a run writes
    modelled = events.payment_issued(event_id=event_id, occurred_at=at, la="E06000060", run_id="run-1",
                                     issued_on=date(2026, 12, 1), **fields)
    envelope = Envelope.from_bytes(body)
    assert envelope == Envelope.from_bytes(modelled.to_bytes())
    assert str(envelope.event_id) == event_id and envelope.event_id.version == 4
    assert (envelope.type, envelope.producer) == ("payments.payment_issued.v1", "payments")
    assert envelope.occurred_at == at
    assert envelope.correlation_id == "run-1" and envelope.local_authority == "E06000060"
    assert envelope.payload == {**fields, "due_date": "2026-11-24", "local_authority": "E06000060",
                                "run_id": "run-1", "issued_on": "2026-12-01"}
    assert events.OWNED["payments.payment_issued.v1"].model_validate(envelope.payload).amount_pence == 40001


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40), budget=st.one_of(st.none(), st.text(max_size=36)),
       stream=st.sampled_from([None, "education", "health", "social_care", "transport"]),
       amount=st.integers(min_value=0, max_value=99_999_999_999), due=DATES)
def test_every_bulk_built_payment_issued_body_is_the_models_serialisation(text, budget, stream, amount, due):
    """PAY-04: what a run writes for each payment is byte for byte what the payload models serialise, whatever the
    values (quotes, backslashes, control and non-ASCII characters, a null budget or stream)."""
    from datetime import UTC, datetime

    from services.payments import events

    at = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
    [event_id, payment_id] = events.new_ids(2)
    fields = {"payment_id": payment_id, "agreement_id": f"a-{text}", "budget_id": budget, "child_id": text,
              "stream": stream, "amount_pence": amount, "due_date": due}
    bodies = events.IssuedBodies(la="E06000060", run_id="run-1", issued_on=date(2026, 12, 1), occurred_at=at)
    modelled = events.payment_issued(event_id=event_id, occurred_at=at, la="E06000060", run_id="run-1",
                                     issued_on=date(2026, 12, 1), **fields)
    assert bodies.body(event_id=event_id, **fields) == events.serialised(modelled)
