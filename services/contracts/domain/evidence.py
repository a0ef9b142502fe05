"""CON-06 a–d: the evidence each transfer route needs before a transfer counts as value for money.

Evidence keys, per route (documented for integrators in the transfer-request endpoint):

- ``alternative_supplier`` (CON-06a): ``supplier_name`` (text), ``meets_outcomes`` (true: the supplier can
  meet the outcomes in the plan), ``quality_equivalent`` (true: quality equivalent to the block service),
  ``price_held_until`` (date: the supplier holds its price until then, so the lower price is likely to hold;
  must not be past). The proposed unit price must also be lower than the block unit price.
- ``combined_services`` (CON-06b): ``combined_with`` (non-empty list of the other purchased services),
  ``total_cost_before_pence`` and ``total_cost_after_pence`` (integers; after must be lower than before).
- ``pooled_purchase`` (CON-06c): ``pool_members`` (integer, at least 2 families), ``pooling_agreement`` (text:
  the reference of the written agreement), ``fair_share_basis`` (text: how the cost is shared fairly),
  ``sustainable_until`` (date: the pool is funded until then; must not be past).
- ``family_provision`` (CON-06d): ``provided_by`` (text: who in the family provides it),
  ``wishes_recorded_on`` (date: when the family's wish was recorded). Evidence of delivery may be asked for
  later.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Item:
    key: str
    kind: str  # text | yes | date | pence | count | list
    meaning: str


@dataclass(frozen=True)
class RouteEvidence:
    rule: str
    criterion: str
    items: tuple[Item, ...]


ROUTES: dict[str, RouteEvidence] = {
    "alternative_supplier": RouteEvidence("CON-06a", "another supplier at a lower price meets the outcomes", (
        Item("supplier_name", "text", "who would provide the service"),
        Item("meets_outcomes", "yes", "the supplier can meet the outcomes in the plan"),
        Item("quality_equivalent", "yes", "the quality is equivalent to the block service"),
        Item("price_held_until", "date", "the date until which the supplier holds its price"),
    )),
    "combined_services": RouteEvidence("CON-06b", "combining with other bought services lowers the total", (
        Item("combined_with", "list", "the other purchased services it is combined with"),
        Item("total_cost_before_pence", "pence", "the total cost of the services bought separately"),
        Item("total_cost_after_pence", "pence", "the total cost once combined"),
    )),
    "pooled_purchase": RouteEvidence("CON-06c", "families pool their purchases fairly and sustainably", (
        Item("pool_members", "count", "how many families pool their purchase (at least 2)"),
        Item("pooling_agreement", "text", "the reference of the written pooling agreement"),
        Item("fair_share_basis", "text", "how the cost is shared fairly between the families"),
        Item("sustainable_until", "date", "the date until which the pool is funded"),
    )),
    "family_provision": RouteEvidence("CON-06d", "the family provides the service itself", (
        Item("provided_by", "text", "who in the family provides the service"),
        Item("wishes_recorded_on", "date", "when the family's wish to provide it was recorded"),
    )),
}


class EvidenceInvalid(ValueError):
    """A piece of evidence is present but of the wrong kind: the request is malformed (a 422 naming the
    field)."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors))
        self.errors = errors


def _read(item: Item, value: Any) -> Any:
    """The value as its kind, or raise ValueError with what is wrong."""
    if item.kind == "text":
        if not isinstance(value, str) or not value.strip() or len(value) > 500:
            raise ValueError("must be non-empty text of at most 500 characters")
        return value.strip()
    if item.kind == "yes":
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if item.kind == "date":
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValueError("must be a date, YYYY-MM-DD") from None
    if item.kind in ("pence", "count"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError("must be a whole number, 0 or more")
        return value
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("must be a non-empty list of names")
    return value


@dataclass(frozen=True)
class EvidenceCheck:
    values: dict[str, Any]
    missing: list[Item]


def read_evidence(route: str, evidence: Mapping[str, Any]) -> EvidenceCheck:
    """The route's evidence read by kind, and which items are missing. Unknown keys are kept out of the
    decision (they may be notes for a person); a known key of the wrong kind raises ``EvidenceInvalid``."""
    spec = ROUTES[route]
    values: dict[str, Any] = {}
    missing: list[Item] = []
    errors: list[tuple[str, str]] = []
    for item in spec.items:
        if evidence.get(item.key) is None:
            missing.append(item)
            continue
        try:
            values[item.key] = _read(item, evidence[item.key])
        except ValueError as exc:
            errors.append((f"evidence.{item.key}", str(exc)))
    if errors:
        raise EvidenceInvalid(errors)
    return EvidenceCheck(values, missing)
