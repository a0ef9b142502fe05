"""CON-09: evidence of delivery where the family provides a service itself (CON-06d). The LA may ask for it by a
due date; evidence closes the request; what is not evidenced by then is due a review by a person, never an
automatic clawback: nothing here moves money or returns units."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.contracts.domain.dates import years_after

FAMILY_PROVISION = "family_provision"
MAX_YEARS_AHEAD = 1
REVIEW_REASON = "not evidenced: a review, never an automatic clawback (CON-09)"

OPEN, EVIDENCED, REVIEW_DUE = "open", "evidenced", "review_due"


@dataclass(frozen=True)
class ReviewNeeded:
    """What a request not evidenced by its due date calls for: a review by a person (CON-09)."""

    reason: str = REVIEW_REASON
    rule: str = "CON-09"


def refusal(*, route: str, status: str) -> str | None:
    """Why delivery evidence cannot be asked for on this transfer, or None: only on an approved family provision
    that is still active (a declined, withdrawn or refused transfer delivers nothing to evidence)."""
    if route != FAMILY_PROVISION:
        return f"evidence of delivery is asked for only where the family provides the service (route " \
               f"{FAMILY_PROVISION}, CON-06d); this transfer's route is {route}"
    if status != "active":
        return f"the transfer is {status}; evidence of delivery is asked for only on an approved, active one"
    return None


def due_on_error(due_on: date, *, today: date) -> str | None:
    """A due date is today or later, and at most a year ahead."""
    if due_on < today:
        return "cannot be in the past"
    if due_on > years_after(today, MAX_YEARS_AHEAD):
        return f"at most {MAX_YEARS_AHEAD} year ahead"
    return None


def received_on_error(received_on: date, *, asked_on: date, today: date) -> str | None:
    """Evidence is received on a day between the request and today."""
    if received_on > today:
        return "cannot be in the future"
    if received_on < asked_on:
        return f"cannot be before the evidence was asked for ({asked_on.isoformat()})"
    return None


def state(*, due_on: date, evidenced: bool, today: date) -> str:
    """``evidenced`` once evidence is recorded (late evidence too); ``review_due`` when the due date has passed
    without it; ``open`` until then."""
    if evidenced:
        return EVIDENCED
    return REVIEW_DUE if due_on < today else OPEN

