"""The local offer of personal budgets (BUD-15): what an LA publishes for every family, with no child's data.

Its menu (what a personal budget may buy, per stream, from the BUD-03 taxonomy in ``categories``; and what it may
never buy: a place at a school, college or early-years setting), its personal budget policy (where it is, and a
summary) and where families get independent advice (its SENDIAS service). Pure: no I/O."""
from __future__ import annotations

from dataclasses import dataclass

from services.budget.domain import categories
from services.budget.domain.ledger import STREAMS

RULES = ("BUD-15", "BUD-03")
STREAM_NAMES = {"education": "Education", "health": "Health", "social_care": "Social care",
                "transport": "Transport"}


@dataclass(frozen=True)
class Policy:
    url: str
    summary: str


@dataclass(frozen=True)
class Advice:
    """Independent advice: the LA's SEND information, advice and support service (SENDIAS)."""

    name: str
    url: str
    phone: str | None = None
    about: str = ("Free, impartial and confidential information, advice and support about special educational "
                  "needs and disabilities, including personal budgets. It is independent of the local authority.")


@dataclass(frozen=True)
class Item:
    id: str
    label: str
    description: str


@dataclass(frozen=True)
class StreamMenu:
    stream: str
    name: str
    can_buy: tuple[Item, ...]


@dataclass(frozen=True)
class Refused:
    id: str
    label: str
    description: str
    reason: str
    rule: str = "BUD-03"


@dataclass(frozen=True)
class LocalOffer:
    local_authority: str
    name: str
    menu: str
    streams: tuple[StreamMenu, ...]
    cannot_buy: tuple[Refused, ...]
    policy: Policy
    advice: Advice
    rules: tuple[str, ...] = RULES


def local_offer(local_authority: str, name: str, policy: Policy, advice: Advice) -> LocalOffer:
    """BUD-15: the LA's local offer, its menu per stream drawn from the published provision categories (the same
    closed list a provision line is checked against) and every placement BUD-03 refuses."""
    published = categories.menu(local_authority)
    by_id = {c.id: c for c in published.categories}
    streams = tuple(
        StreamMenu(s, STREAM_NAMES[s], tuple(Item(i, by_id[i].label, by_id[i].description)
                                             for i in published.by_stream[s]))
        for s in STREAMS)
    refused = tuple(Refused(c.id, c.label, c.description, c.refused_because or "") for c in published.refused)
    return LocalOffer(local_authority, name, published.menu, streams, refused, policy, advice)
