"""The comparison at the heart of ``sendpb reconcile``, without services: from three services' totals to the
differences, each with both sides, and the settle period that lets events in flight arrive."""
from kit.money import pounds
from sendpb.reconcile import Totals, compare, settle

B1, B2 = "budget-1", "budget-2"


def pay(budget_id, stream, issued=0, returned=0, recovered=0):
    return {"budget_id": budget_id, "stream": stream, "issued_pence": issued, "returned_pence": returned,
            "recovered_pence": recovered}


def ledger(budget_id, stream, payments=0, recoveries=0, released=0, returned=0, agreed=100_000, committed=0):
    spent = payments - recoveries
    return {"budget_id": budget_id, "stream": stream, "payments_pence": payments, "recoveries_pence": recoveries,
            "released_pence": released, "returned_pence": returned, "agreed_pence": agreed,
            "released_total_pence": released - returned, "committed_pence": committed, "spent_pence": spent,
            "available_pence": agreed + released - returned - committed - spent}


def release(budget_id, stream, released=0, returned=0):
    return {"budget_id": budget_id, "stream": stream, "released_pence": released, "returned_pence": returned,
            "released_count": 1, "returned_count": int(bool(returned))}


def run(run_id, file_total, recorded_total, credits=1, recorded=1, run_date="2026-03-02"):
    return {"run_id": run_id, "run_date": run_date, "status": "completed", "file_total_pence": file_total,
            "file_credits": credits, "recorded_total_pence": recorded_total, "recorded_payments": recorded}


def totals(payments=(), runs=(), budgets=(), contracts=()):
    return Totals({"rows": list(payments), "runs": list(runs)}, {"rows": list(budgets)}, {"rows": list(contracts)})


def books_that_agree():
    return totals(payments=[pay(B1, "social_care", issued=30_000, returned=10_000, recovered=4_000)],
                  runs=[run("r1", 30_000, 30_000)],
                  budgets=[ledger(B1, "social_care", payments=20_000, recoveries=4_000),
                           ledger(B1, "health", released=8_000, returned=3_000)],
                  contracts=[release(B1, "health", released=8_000, returned=3_000)])


def test_books_that_agree_have_no_difference():
    assert compare(books_that_agree()) == []


def test_BUD_08_payments_less_returns_against_payment_postings_both_sides():
    t = books_that_agree()
    t.budgets["rows"][0] = ledger(B1, "social_care", payments=30_000, recoveries=4_000)  # the return never booked
    [d] = compare(t)
    assert (d.check, d.rule, d.subject) == ("payments", "BUD-08", f"budget {B1} social_care")
    assert (d.left.pence, d.right.pence) == (20_000, 30_000)
    assert d.describe() == (f"[BUD-08 payments] budget {B1} social_care: payments: issued − returned £200.00 ≠ "
                            "budget ledger: payment postings £300.00 (off by -£100.00)")


def test_BUD_08_a_payment_into_no_budget_is_a_difference():
    t = books_that_agree()
    t.payments["rows"].append(pay(None, "social_care", issued=5_000))
    t.payments["runs"][0] = run("r1", 35_000, 35_000, credits=2, recorded=2)
    [d] = compare(t)
    assert d.subject == "no budget social_care" and (d.left.pence, d.right.pence) == (5_000, 0)


def test_BUD_08_a_payment_without_a_stream_is_compared_for_the_whole_budget():
    """The budget splits a payment without a stream across its direct-payment streams."""
    t = totals(payments=[pay(B1, None, issued=9_000)], runs=[run("r1", 9_000, 9_000)],
               budgets=[ledger(B1, "social_care", payments=6_000), ledger(B1, "health", payments=3_000)])
    assert compare(t) == []
    t.budgets["rows"].pop()
    [d] = compare(t)
    assert d.subject == f"budget {B1} (all streams)" and (d.left.pence, d.right.pence) == (9_000, 6_000)


def test_PAY_07_confirmed_recoveries_against_recovery_postings():
    t = books_that_agree()
    t.budgets["rows"][0] = ledger(B1, "social_care", payments=20_000)
    [d] = compare(t)
    assert (d.check, d.rule, d.left.pence, d.right.pence) == ("recoveries", "PAY-07", 4_000, 0)


def test_CON_04_releases_less_returns_against_released_postings():
    t = books_that_agree()
    t.contracts["rows"].append(release(B2, "health", released=7_000))  # released into a budget that never got it
    [d] = compare(t)
    assert (d.check, d.rule, d.subject) == ("releases", "CON-04", f"budget {B2} health")
    assert (d.left.label, d.left.pence, d.right.label, d.right.pence) == (
        "contracts: releases − returns", 7_000, "budget ledger: released − returned postings", 0)


def test_PAY_04_a_bank_file_that_is_not_the_run_is_a_difference():
    t = books_that_agree()
    t.payments["runs"][0] = run("r1", 31_000, 30_000, credits=2)
    t.payments["rows"][0]["issued_pence"] = 31_000
    differences = {d.check: d for d in compare(t)}
    assert differences["bank_files"].subject == "run r1 of 2026-03-02"
    assert (differences["bank_files"].left.pence, differences["bank_files"].right.pence) == (31_000, 30_000)
    assert "2 credit(s) in the file, 1 payment(s) recorded" in differences["bank_files"].detail


def test_PAY_04_a_paid_agreement_unknown_to_any_budget_row_shows_in_the_files_total():
    t = books_that_agree()
    t.payments["runs"].append(run("r2", 2_500, 2_500))
    [d] = compare(t)
    assert (d.check, d.subject, d.left.pence, d.right.pence) == ("bank_files", "all runs", 32_500, 30_000)


def test_BUD_08_available_money_below_zero_is_a_difference():
    t = books_that_agree()
    t.budgets["rows"][1] = ledger(B1, "health", released=8_000, returned=3_000, agreed=1_000, committed=9_000)
    [d] = compare(t)
    assert (d.check, d.left.pence, d.right.pence) == ("available", -3_000, 0)
    assert "agreed £10.00 + released £50.00 − committed £90.00 − spent £0.00" in d.detail


def test_money_is_printed_in_pounds_with_its_sign():
    assert (pounds(123_456), pounds(-5), pounds(0)) == ("£1,234.56", "-£0.05", "£0.00")


class FakeTime:
    def __init__(self):
        self.now = 0.0

    def clock(self):
        return self.now

    async def sleep(self, seconds):
        self.now += seconds


async def test_a_difference_that_settles_while_events_arrive_does_not_count():
    late = books_that_agree()
    late.budgets["rows"][1] = ledger(B1, "health")  # the release's event has not been booked yet
    reads = iter([late, late, books_that_agree()])
    time = FakeTime()

    async def read():
        return next(reads)

    differences, count, seconds, _ = await settle(read, settle_seconds=10, interval=2, sleep=time.sleep,
                                                  clock=time.clock)
    assert (differences, count, seconds) == ([], 3, 4.0)


async def test_a_difference_that_persists_over_the_settle_period_counts_with_its_latest_figures():
    wrong = books_that_agree()
    wrong.budgets["rows"][0] = ledger(B1, "social_care", payments=30_000, recoveries=4_000)
    time = FakeTime()
    reads = 0

    async def read():
        nonlocal reads
        reads += 1
        return wrong

    differences, count, seconds, _ = await settle(read, settle_seconds=5, interval=2, sleep=time.sleep,
                                                  clock=time.clock)
    assert [d.check for d in differences] == ["payments"] and (count, seconds) == (4, 5.0)


async def test_a_difference_that_appears_during_the_settle_period_waits_for_the_next_reconciliation():
    moving = books_that_agree()
    moving.budgets["rows"][0] = ledger(B1, "social_care", payments=30_000, recoveries=4_000)
    other = books_that_agree()
    other.contracts["rows"].append(release(B2, "health", released=1))
    reads = iter([moving, other])
    time = FakeTime()

    async def read():
        return next(reads)

    differences, count, _, _ = await settle(read, settle_seconds=2, interval=2, sleep=time.sleep, clock=time.clock)
    assert (differences, count) == ([], 2)
