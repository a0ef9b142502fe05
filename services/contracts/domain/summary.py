"""CON-07: a plain-English summary of a block contract for the families it serves: what it provides, who
provides it, how much of it can go into a personal budget and why, and how to ask."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from kit.money import pounds
from services.contracts.domain.decision import Terms
from services.contracts.domain.money import plural
from services.contracts.domain.pricing import block_unit_price, personal_budget_price, release_limit_units

HOW_TO_ASK = ("Ask your child's SEND case worker to move part of this service into your child's personal "
              "budget. Tell them how you would use it: a different supplier that costs less, combining it "
              "with other services you buy, pooling with other families, or providing it yourselves. We will "
              "tell you what evidence we need, and give our decision with its reasons.")
FUNDER_WORDS = {"council": "the council", "icb": "the local NHS"}
SERVICE_WORDS = {"education": "education", "health": "health", "social_care": "social care",
                 "transport": "school transport"}


@dataclass(frozen=True, kw_only=True)
class ContractFacts(Terms):
    """The contract as its summary tells it: its terms, and who provides what, when."""

    provider: str
    service: str
    stream: str
    start_date: date
    end_date: date
    renewal_date: date


def summarise(c: ContractFacts) -> dict[str, object]:
    """The summary's parts and the whole ``text`` made of them, in the order a family reads them."""
    price = block_unit_price(annual_value_pence=c.annual_value_pence, contracted_units=c.contracted_units,
                             unit=c.unit)
    one = personal_budget_price(annual_value_pence=c.annual_value_pence, contracted_units=c.contracted_units,
                                fixed_cost_percent=c.fixed_cost_percent, units=1, unit=c.unit)
    limit = release_limit_units(contracted_units=c.contracted_units,
                                max_release_percent=c.max_release_percent,
                                min_retained_units=c.min_retained_units)
    available = max(0, limit - c.released_units)
    parts = {
        "what": (f"{_payers(c.funders)} for {plural(c.contracted_units, c.unit)} of {c.service} a year "
                 f"({SERVICE_WORDS[c.stream]}) from {c.start_date:%-d %B %Y} to {c.end_date:%-d %B %Y}, "
                 f"costing {pounds(c.annual_value_pence)} a year."),
        "who": f"{c.provider} provides it under a block contract with the council.",
        "price": (f"One {c.unit} costs {pounds(price.pence)} under the contract. A personal budget can have "
                  f"up to that for each {c.unit} ({pounds(one.marginal_pence)} for the service itself and "
                  f"{pounds(one.fixed_share_pence)} as a fair share of the provider's fixed costs); more "
                  "only in exceptional circumstances, because the block price is good value for everyone."),
        "how_much": _how_much(c, limit, available),
        "why": _why(c),
        "how_to_ask": HOW_TO_ASK,
        "review": (f"The contract is due for renewal on {c.renewal_date:%-d %B %Y}; the council reviews "
                   "it before then to see whether more of it can go into personal budgets, and involves "
                   "families in that."),
    }
    return {"text": " ".join(parts.values()), "parts": parts,
            "figures": {"block_unit_price_pence": price.pence, "release_limit_units": limit,
                        "released_units": c.released_units, "available_units": available}}


def _payers(funders: Mapping[str, int]) -> str:
    """``{"council": 70, "icb": 30}`` → ``The council (70%) and the local NHS (30%) pay``."""
    names = [(FUNDER_WORDS.get(name, name.replace("_", " ")), pct) for name, pct in funders.items() if pct]
    if len(names) == 1:
        return f"{names[0][0][0].upper()}{names[0][0][1:]} pays"
    words = [f"{name} ({pct}%)" for name, pct in names]
    joined = ", ".join(words[:-1]) + " and " + words[-1]
    return f"{joined[0].upper()}{joined[1:]} pay"


def _how_much(c: ContractFacts, limit: int, available: int) -> str:
    if not c.separable:
        return "None of this contract can go into a personal budget at the moment."
    if c.fixed_cost_percent == 100 or limit == 0:
        return "None of this contract can go into a personal budget at the moment."
    return (f"Up to {plural(limit, c.unit)} a year ({c.max_release_percent}% of the contract"
            + (f", keeping at least {plural(c.min_retained_units, c.unit)}" if c.min_retained_units else "")
            + f") can go into personal budgets; {plural(available, c.unit)} of that are still available.")


def _why(c: ContractFacts) -> str:
    if not c.separable:
        return ("This is because one child's share cannot be separated without harming others: "
                f"{c.inseparable_reason}")
    if c.fixed_cost_percent == 100:
        return ("This is because all of its cost is fixed: the council would still pay the provider in full, "
                "so moving money out would pay twice for the same service.")
    if c.max_release_percent == 0:
        return ("The contract has no flexibility for personal budgets yet; the council looks at adding some "
                "when it reviews the contract before renewal.")
    return ("The limit is there so that families who keep using the service are not harmed when others take "
            "their share as a personal budget.")
