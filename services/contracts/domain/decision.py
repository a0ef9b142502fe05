"""Deciding a request to move part of a block contract into a child's personal budget (CON-02, 04, 05, 06).

Every reason carries its rule ID. A request is *declined* when any rule refuses it, *evidence_required* when
nothing refuses it but the route's evidence (CON-06 a–d) is incomplete, and *approved* otherwise."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kit.money import pounds
from services.contracts.domain.evidence import ROUTES, EvidenceCheck, read_evidence
from services.contracts.domain.money import plural, split_by_shares
from services.contracts.domain.pricing import block_cost_pence, release_limit_units

APPROVED, DECLINED, EVIDENCE_REQUIRED = "approved", "declined", "evidence_required"


@dataclass(frozen=True, kw_only=True)
class Terms:
    """The contract as the decision sees it, including what has already been released."""

    annual_value_pence: int
    contracted_units: int
    unit: str
    max_release_percent: int
    min_retained_units: int | None
    fixed_cost_percent: int
    separable: bool
    inseparable_reason: str | None
    released_units: int
    funders: Mapping[str, int] = field(default_factory=lambda: {"council": 100})


@dataclass(frozen=True)
class Ask:
    units: int
    route: str
    proposed_unit_price_pence: int
    evidence: Mapping[str, Any]
    exceptional_reason: str | None = None


@dataclass(frozen=True)
class Reason:
    rule: str
    message: str
    refuses: bool = False
    field: str | None = None

    def as_dict(self) -> dict[str, str]:
        out = {"rule": self.rule, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


@dataclass(frozen=True)
class Decision:
    decision: str
    release_pence: int
    block_cost_pence: int
    proposed_cost_pence: int
    reasons: list[Reason]
    missing_evidence: list[str]
    public_purse: dict[str, dict[str, int]] = field(default_factory=dict)


def decide(terms: Terms, ask: Ask, *, today: date) -> Decision:
    """Decide one transfer request against the contract's current state."""
    block_cost = block_cost_pence(annual_value_pence=terms.annual_value_pence,
                                  contracted_units=terms.contracted_units, units=ask.units)
    proposed = ask.units * ask.proposed_unit_price_pence
    evidence = read_evidence(ask.route, ask.evidence)
    reasons = [*_separable(terms), *_capacity(terms, ask)]
    price_reasons, payable = _price_cap(ask, block_cost=block_cost, proposed=proposed)
    reasons += price_reasons
    reasons += _value_for_money(ask, evidence, block_cost=block_cost, today=today)
    if any(r.refuses for r in reasons):
        outcome = DECLINED
    elif evidence.missing:
        outcome = EVIDENCE_REQUIRED
    else:
        outcome = APPROVED
    return Decision(
        decision=outcome, release_pence=payable if outcome == APPROVED else 0, block_cost_pence=block_cost,
        proposed_cost_pence=proposed, reasons=reasons, missing_evidence=[i.key for i in evidence.missing],
        public_purse=public_purse(terms.funders, before_pence=block_cost, after_pence=payable),
    )


def _separable(terms: Terms) -> list[Reason]:
    """CON-02: no release where a child's share cannot be separated without harming others or wasting money"""
    if not terms.separable:
        return [Reason("CON-02", "this contract's provision cannot be separated child by child: "
                                 f"{terms.inseparable_reason}", refuses=True)]
    if terms.fixed_cost_percent == 100:
        return [Reason("CON-02", "all of this contract's cost is fixed: the council would go on paying the "
                                 "provider in full, so releasing money would pay twice for the same service",
                       refuses=True)]
    return []


def _capacity(terms: Terms, ask: Ask) -> list[Reason]:
    """CON-04: the releases of a contract never pass its maximum share or eat into its minimum retained
    volume."""
    limit = release_limit_units(contracted_units=terms.contracted_units,
                                max_release_percent=terms.max_release_percent,
                                min_retained_units=terms.min_retained_units)
    available = max(0, limit - terms.released_units)
    basis = f"at most {terms.max_release_percent}% of {plural(terms.contracted_units, terms.unit)}"
    if terms.min_retained_units:
        basis += f", keeping at least {plural(terms.min_retained_units, terms.unit)} for families who stay"
    if ask.units > available:
        message = (f"releasing {plural(ask.units, terms.unit)} would harm families who stay on the contract: "
                   f"it may release {basis} ({plural(limit, terms.unit)} in all); "
                   f"{plural(terms.released_units, terms.unit)} already released, "
                   f"{plural(available, terms.unit)} left")
        return [Reason("CON-04", message, refuses=True, field="units")]
    return [Reason("CON-04", f"{plural(ask.units, terms.unit)} fit within the release limit ({basis}); "
                             f"{plural(available - ask.units, terms.unit)} will be left")]


def _price_cap(ask: Ask, *, block_cost: int, proposed: int) -> tuple[list[Reason], int]:
    """CON-05: the personal budget is capped at the block cost, unless exceptional circumstances are recorded.
    Returns the reasons and the amount the budget would receive."""
    if proposed <= block_cost:
        saving = block_cost - proposed
        return [Reason("CON-05", f"the proposed cost {pounds(proposed)} is within the block cost "
                                 f"{pounds(block_cost)}" + (f"; the public purse saves {pounds(saving)}"
                                                            if saving else ""))], proposed
    if ask.exceptional_reason:
        return [Reason("CON-05", f"the proposed cost {pounds(proposed)} exceeds the block cost "
                                 f"{pounds(block_cost)}; allowed in recorded exceptional circumstances: "
                                 f"{ask.exceptional_reason}")], proposed
    return [Reason("CON-05", f"the proposed cost {pounds(proposed)} exceeds the block cost "
                             f"{pounds(block_cost)}; a larger sum needs recorded exceptional circumstances "
                             "(exceptional_reason)",
                   refuses=True, field="proposed_unit_price_pence")], block_cost


def _value_for_money(ask: Ask, evidence: EvidenceCheck, *, block_cost: int, today: date) -> list[Reason]:
    """CON-06 a–d: the route's criterion, its evidence, and what the evidence says."""
    route = ROUTES[ask.route]
    reasons = [Reason(route.rule, f"evidence needed: {item.meaning}", field=f"evidence.{item.key}")
               for item in evidence.missing]
    failures = _failures(ask, evidence.values, block_cost=block_cost, today=today)
    reasons += [Reason(route.rule, message, refuses=True, field=f) for f, message in failures]
    if not evidence.missing and not failures:
        reasons.append(Reason(route.rule, f"value for money: {route.criterion}"))
    return reasons


def _failures(ask: Ask, values: dict[str, Any], *, block_cost: int, today: date) -> list[tuple[str, str]]:
    """What the supplied evidence shows against the route's criterion, as (field, message)."""
    out: list[tuple[str, str]] = []
    if ask.route == "alternative_supplier":
        if ask.units * ask.proposed_unit_price_pence >= block_cost and not ask.exceptional_reason:
            out.append(("proposed_unit_price_pence", "the other supplier is not cheaper than the block"))
        if values.get("meets_outcomes") is False:
            out.append(("evidence.meets_outcomes", "the supplier cannot meet the outcomes in the plan"))
        if values.get("quality_equivalent") is False:
            out.append(("evidence.quality_equivalent", "the supplier's quality is not equivalent"))
        if "price_held_until" in values and values["price_held_until"] < today:
            out.append(("evidence.price_held_until", "the supplier's price is no longer held"))
    elif ask.route == "combined_services":
        if values.keys() >= {"total_cost_before_pence", "total_cost_after_pence"} and \
                values["total_cost_after_pence"] >= values["total_cost_before_pence"]:
            out.append(("evidence.total_cost_after_pence", "combining does not lower the total cost"))
    elif ask.route == "pooled_purchase":
        if "pool_members" in values and values["pool_members"] < 2:
            out.append(("evidence.pool_members", "a pool needs at least two families"))
        if "sustainable_until" in values and values["sustainable_until"] < today:
            out.append(("evidence.sustainable_until", "the pool is not funded any more"))
    return out


def public_purse(funders: Mapping[str, int], *, before_pence: int,
                 after_pence: int) -> dict[str, dict[str, int]]:
    """CON-06: the cost of these units to each public funder under the block (before) and through the personal
    budget (after), each split adding back exactly to its total."""
    before = split_by_shares(before_pence, funders)
    after = split_by_shares(after_pence, funders)
    return {
        "before": {**{f"{k}_pence": v for k, v in before.items()}, "total_pence": before_pence},
        "after": {**{f"{k}_pence": v for k, v in after.items()}, "total_pence": after_pence},
        "change": {**{f"{k}_pence": after[k] - before[k] for k in before},
                   "total_pence": after_pence - before_pence},
    }
