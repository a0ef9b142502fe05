"""The pure double-entry ledger of a budget (BUD-08). No I/O.

Every movement of money is a posting of signed entries (debit positive, credit negative) that sum to zero.
Each stream has these accounts:

- ``available``: debit balance, the money the family can still use;
- ``agreed`` / ``released``: credit balances, where available money comes from (the funder's agreement, and
  funds released from a block contract);
- ``committed`` / ``spent``: debit balances, where available money goes;
- ``indicative`` / ``indicative_offset``: a memorandum pair for the RAS figure, which is a plan, not money.

Agreeing, releasing, committing and spending always move money between ``available`` and one of the other
four, so ``available = agreed + released - committed - spent`` holds by construction, and every balance is a
sum of entries. Entries are never changed: a correction is a reversal (the same entries with the signs
flipped)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kit.money import pounds as _pounds

STREAMS = ("education", "health", "social_care", "transport")
ACCOUNTS = ("available", "agreed", "released", "committed", "spent", "indicative", "indicative_offset")
# Credit-balance accounts are reported with the sign flipped so that every reported figure is positive.
CREDIT_ACCOUNTS = frozenset({"agreed", "released", "indicative_offset"})


class UnbalancedPosting(ValueError):
    """A posting whose entries do not sum to zero (BUD-08): a programming error, never stored."""


@dataclass(frozen=True)
class Entry:
    stream: str
    account: str
    amount_pence: int  # debit positive, credit negative

    def __post_init__(self) -> None:
        if self.stream not in STREAMS:
            raise ValueError(f"unknown stream {self.stream!r}")
        if self.account not in ACCOUNTS:
            raise ValueError(f"unknown account {self.account!r}")
        if not isinstance(self.amount_pence, int) or isinstance(self.amount_pence, bool):
            raise TypeError("money is integer pence")


@dataclass(frozen=True)
class Posting:
    """One balanced ledger transaction. ``kind`` says what happened; ``memo`` says it in plain English."""

    kind: str
    memo: str
    entries: tuple[Entry, ...]
    reference: str | None = None  # an outside id (transfer, payment) that may be booked only once

    def __post_init__(self) -> None:
        if not self.entries:
            raise UnbalancedPosting("a posting needs entries")
        total = sum(e.amount_pence for e in self.entries)
        if total != 0:
            raise UnbalancedPosting(f"BUD-08: entries of {self.kind!r} sum to {total}, not 0")

    def reversed(self, memo: str) -> Posting:
        """The correction of this posting: the same entries with the signs flipped (BUD-08)."""
        return Posting(
            "reversal", memo, tuple(Entry(e.stream, e.account, -e.amount_pence) for e in self.entries)
        )


def _pair(
    kind: str,
    memo: str,
    stream: str,
    debit: str,
    credit: str,
    amount_pence: int,
    reference: str | None = None,
) -> Posting | None:
    if amount_pence == 0:
        return None
    return Posting(
        kind, memo, (Entry(stream, debit, amount_pence), Entry(stream, credit, -amount_pence)), reference
    )


def indicative(stream: str, delta_pence: int, memo: str) -> Posting | None:
    """Move the stream's indicative (RAS) figure by ``delta_pence`` (memorandum, not money)."""
    return _pair("indicative", memo, stream, "indicative", "indicative_offset", delta_pence)


def agree(
    stream: str, delta_pence: int, memo: str, *, kind: str = "agreement", reference: str | None = None
) -> Posting | None:
    """Raise (or, negative, lower) the stream's agreed amount and its available balance together."""
    return _pair(kind, memo, stream, "available", "agreed", delta_pence, reference)


def release(stream: str, amount_pence: int, memo: str, *, reference: str | None = None) -> Posting | None:
    """Funds released from a block contract into the stream (negative: given back to the contract)."""
    return _pair(
        "release" if amount_pence >= 0 else "return",
        memo,
        stream,
        "available",
        "released",
        amount_pence,
        reference,
    )


def commit(stream: str, amount_pence: int, memo: str, *, reference: str | None = None) -> Posting | None:
    return _pair("commitment", memo, stream, "committed", "available", amount_pence, reference)


def spend(stream: str, amount_pence: int, memo: str, *, reference: str | None = None,
          kind: str | None = None) -> Posting | None:
    """Money paid out of the stream (negative: money recovered back into it, or a payment the bank returned,
    ``kind="payment_return"``)."""
    return _pair(
        kind or ("payment" if amount_pence >= 0 else "recovery"),
        memo,
        stream,
        "spent",
        "available",
        amount_pence,
        reference,
    )


@dataclass
class StreamBalance:
    indicative_pence: int = 0
    agreed_pence: int = 0
    released_pence: int = 0
    committed_pence: int = 0
    spent_pence: int = 0
    available_pence: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class Balances:
    """Per-stream balances, each the sum of that account's entries."""

    streams: dict[str, StreamBalance] = field(default_factory=lambda: {s: StreamBalance() for s in STREAMS})

    @classmethod
    def of(cls, sums: Iterable[tuple[str, str, int]]) -> Balances:
        """From ``(stream, account, sum of amount_pence)`` rows, e.g. a GROUP BY over the entries."""
        balances = cls()
        for stream, account, total in sums:
            if account == "indicative_offset":
                continue
            value = -int(total) if account in CREDIT_ACCOUNTS else int(total)
            setattr(balances.streams[stream], f"{account}_pence", value)
        return balances

    @classmethod
    def from_entries(cls, entries: Iterable[Entry]) -> Balances:
        sums: dict[tuple[str, str], int] = {}
        for e in entries:
            sums[(e.stream, e.account)] = sums.get((e.stream, e.account), 0) + e.amount_pence
        return cls.of((s, a, t) for (s, a), t in sums.items())

    def __getitem__(self, stream: str) -> StreamBalance:
        return self.streams[stream]


def commitment_refusal(balance: StreamBalance, stream: str, amount_pence: int) -> str | None:
    """Why finance may not commit (positive) or free (negative) ``amount_pence`` on ``stream``, or None (BUD-08:
    available = agreed + released - committed - spent, and neither it nor the committed balance goes below zero:
    money set aside that was never agreed or released, or freed that was never set aside, would be money the panel
    never agreed)."""
    if amount_pence > balance.available_pence:
        return (f"only {_pounds(max(balance.available_pence, 0))} is available on the {stream} stream; "
                f"{_pounds(amount_pence)} cannot be committed")
    if -amount_pence > balance.committed_pence:
        return (f"only {_pounds(balance.committed_pence)} is committed on the {stream} stream; "
                f"{_pounds(-amount_pence)} cannot be freed")
    return None


def split_by_weight(amount_pence: int, weights: dict[str, int]) -> dict[str, int]:
    """Split ``amount_pence`` in proportion to ``weights``; the remainder pennies go to the largest weight, so
    the parts add back exactly to the amount."""
    positive = {k: w for k, w in weights.items() if w > 0}
    if not positive:
        raise ValueError("nothing to split across")
    total = sum(positive.values())
    parts = {k: amount_pence * w // total for k, w in positive.items()}
    largest = max(sorted(positive), key=lambda k: positive[k])
    parts[largest] += amount_pence - sum(parts.values())
    return parts
