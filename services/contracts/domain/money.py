"""Money helpers: integer pence only, splits that add back exactly, and how amounts read in plain English."""
from __future__ import annotations

from collections.abc import Mapping


def split_by_shares(amount_pence: int, shares: Mapping[str, int]) -> dict[str, int]:
    """Split ``amount_pence`` by percentage shares (summing to 100), largest remainder first, so the parts add
    back to the amount exactly. Ties go to the funder listed first."""
    if sum(shares.values()) != 100:
        raise ValueError("shares must add up to 100")
    floors = {name: amount_pence * pct // 100 for name, pct in shares.items()}
    left = amount_pence - sum(floors.values())
    order = sorted(shares, key=lambda name: -(amount_pence * shares[name] % 100))
    for name in order[:left]:
        floors[name] += 1
    return floors


def plural(count: int, unit: str) -> str:
    """``plural(3, "hour")`` → ``3 hours``; a unit already in the plural is kept."""
    noun = unit if count == 1 or unit.endswith("s") else f"{unit}s"
    return f"{count:,} {noun}"
