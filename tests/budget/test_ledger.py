"""BUD-08 on the pure ledger: random sequences of agreements, health funding, releases, returns, commitments,
payments, recoveries and reversals always balance, and every reported balance is the sum of its entries."""
from hypothesis import given, settings
from hypothesis import strategies as st

from services.budget.domain import ledger
from services.budget.domain.ledger import STREAMS, Balances, Entry, Posting, UnbalancedPosting, split_by_weight

amounts = st.integers(min_value=-5_000_000, max_value=5_000_000)
streams = st.sampled_from(STREAMS)
step = st.one_of(
    st.tuples(st.just("indicative"), streams, amounts),
    st.tuples(st.just("agree"), streams, amounts),
    st.tuples(st.just("health"), st.just("health"), st.integers(0, 5_000_000)),
    st.tuples(st.just("release"), streams, amounts),
    st.tuples(st.just("commit"), streams, amounts),
    st.tuples(st.just("spend"), streams, amounts),
    st.tuples(st.just("reverse"), streams, st.integers(0, 10_000)),
)


def apply(kind: str, stream: str, amount: int, done: list[Posting]) -> Posting | None:
    if kind == "reverse":
        return done[amount % len(done)].reversed("correction") if done else None
    if kind == "health":  # the ICB sets the health amount: post the difference from the current one
        current = Balances.from_entries(e for p in done for e in p.entries)["health"].agreed_pence
        return ledger.agree("health", amount - current, "health funding", kind="health_funding")
    return {"indicative": ledger.indicative, "agree": ledger.agree, "release": ledger.release,
            "commit": ledger.commit, "spend": ledger.spend}[kind](stream, amount, kind)


@settings(max_examples=150, deadline=None)
@given(st.lists(step, max_size=40))
def test_bud_08_every_posting_balances_and_available_is_agreed_plus_released_minus_committed_minus_spent(
    steps,
):
    done: list[Posting] = []
    for kind, stream, amount in steps:
        posting = apply(kind, stream, amount, done)
        if posting is not None:
            assert sum(e.amount_pence for e in posting.entries) == 0
            done.append(posting)
    entries = [e for p in done for e in p.entries]
    balances = Balances.from_entries(entries)
    for s in STREAMS:
        b = balances[s]
        assert b.available_pence == sum(
            e.amount_pence for e in entries if e.stream == s and e.account == "available"
        )
        assert b.available_pence == b.agreed_pence + b.released_pence - b.committed_pence - b.spent_pence
        assert b.agreed_pence == -sum(
            e.amount_pence for e in entries if e.stream == s and e.account == "agreed"
        )
    assert sum(e.amount_pence for e in entries) == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(step, min_size=1, max_size=20))
def test_bud_08_reversing_every_posting_returns_every_balance_to_zero(steps):
    done: list[Posting] = []
    for kind, stream, amount in steps:
        if kind != "reverse" and (posting := apply(kind, stream, amount, done)) is not None:
            done.append(posting)
    corrections = [p.reversed("undo") for p in done]
    balances = Balances.from_entries(e for p in done + corrections for e in p.entries)
    assert all(v == 0 for s in STREAMS for v in balances[s].as_dict().values())


def test_bud_08_an_unbalanced_posting_cannot_be_made():
    try:
        Posting("agreement", "lopsided", (Entry("health", "available", 100), Entry("health", "agreed", -99)))
    except UnbalancedPosting as exc:
        assert "BUD-08" in str(exc)
    else:
        raise AssertionError("an unbalanced posting was accepted")


def test_nothing_to_move_makes_no_posting():
    assert ledger.agree("education", 0, "no change") is None


@settings(max_examples=200, deadline=None)
@given(st.integers(-10_000_000, 10_000_000), st.dictionaries(streams, st.integers(1, 1_000_000), min_size=1))
def test_a_split_adds_back_exactly_with_the_remainder_on_the_largest(amount, weights):
    parts = split_by_weight(amount, weights)
    assert sum(parts.values()) == amount and set(parts) == set(weights)
    largest = max(sorted(weights), key=lambda k: weights[k])
    for k, part in parts.items():
        if k != largest:
            assert part == amount * weights[k] // sum(weights.values())
