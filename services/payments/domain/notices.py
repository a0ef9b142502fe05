"""Written notices on agreements (PAY-08, BUD-10): their reasons and the letter each carries."""
from __future__ import annotations

from datetime import date

from kit.money import pounds

AT_ONCE_RULES = frozenset({"ELIG-07"})  # MUST: such a recipient cannot receive direct payments at all


def text(reasons: list[dict]) -> str:
    """The reasons of a notice, each with its rule."""
    return "; ".join(f"{r['rule']}: {r['message']}" for r in reasons)


def at_once(reasons: list[dict]) -> bool:
    """PAY-08: a refusal under a rule forbidding direct payments outright suspends them at once, without notice."""
    return any(r.get("rule") in AT_ONCE_RULES for r in reasons)


def letter(*, kind: str, reasons: list[dict], effective_from: date, from_pence: int | None, to_pence: int | None,
           reconsider_by: date | None) -> str | None:
    """The text of the letter a notice is (an increase has none)."""
    if kind == "reduction":
        return (f"We intend to reduce your direct payment from {pounds(from_pence)} to {pounds(to_pence)} a year "
                f"from {effective_from}. Our reasons: {text(reasons)}. You may ask us to reconsider once, until "
                f"{reconsider_by}; nothing changes before then.")
    if kind == "suspension":
        return (f"Your direct payments are suspended from {effective_from}. Our reasons: {text(reasons)}. "
                "You may ask for the decision to be reviewed (ELIG-10).")
    if kind == "stop":
        return f"Your direct payments stopped on {effective_from}. Our reasons: {text(reasons)}."
    return None
