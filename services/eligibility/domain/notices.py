"""What a decision notice tells the family they can do next (ELIG-10, and BUD-13's "every decision tells the family
the next step open to them"). Pure: the facts about the decision in, one step out.

ELIG-10: a refusal (a stream not eligible, an arrangement not allowed, an ELIG-12 decline) can be reviewed at the
family's request; after a review the route is the council's complaints process (there is no tribunal appeal), and
after that the Local Government and Social Care Ombudsman."""
from __future__ import annotations

from typing import Literal

NextStep = Literal["ask_for_review", "review_asked", "complain", "replaced", "nothing_refused"]


def refused(streams: dict, arrangements: dict, declines: list) -> bool:
    """Whether the decision refuses anything the family asked for (ELIG-10), or declines a part of it (ELIG-12)."""
    return (any(not o["eligible"] for o in streams.values())
            or any(not o["allowed"] for o in arrangements.values()) or bool(declines))


def next_step(*, refuses: bool, reviewed: bool, in_force: bool, review_asked: bool) -> NextStep:
    """The family's next step from the notice of one decision (ELIG-10):

    - ``replaced``: a later decision replaced this one (a review or a decline): its own notice says what next;
    - ``complain``: this decision came from a review and still refuses something: the route is a complaint;
    - ``review_asked``: the family asked for a review of it from their link; the LA is reviewing it;
    - ``ask_for_review``: it refuses something: the family may ask for a review;
    - ``nothing_refused``: everything asked for was granted."""
    if not in_force:
        return "replaced"
    if not refuses:
        return "nothing_refused"
    if reviewed:
        return "complain"
    return "review_asked" if review_asked else "ask_for_review"


class ReviewRefused(Exception):
    """The family cannot ask for a review of this decision from their link (ELIG-10)."""

    rule = "ELIG-10"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def review_refusal(step: NextStep) -> ReviewRefused | None:
    """Why a review cannot be asked for when the notice's next step is ``step`` (None when it can)."""
    if step == "replaced":
        return ReviewRefused("A later decision replaced this one: ask for a review of that decision instead.")
    if step == "nothing_refused":
        return ReviewRefused("This decision refused nothing, so there is nothing to review.")
    if step == "complain":
        return ReviewRefused("This decision was already reviewed. If you are still unhappy, the next step is a "
                             "complaint to the council (ELIG-10).")
    return None
