"""ELIG-12: the LA may decline a personal budget, or part of one (a stream or an arrangement), where securing it
would harm the provision made for others or be an inefficient use of resources, block contract or not. The
refusal says why, with its evidence, and the family may ask for a review (ELIG-10). It cannot take away the
personal health budget that NHS continuing care gives a right to (ELIG-13)."""
from __future__ import annotations

from collections.abc import Mapping

from services.eligibility.domain.values import Decline, Outcome, Reason

GROUND_WORDS = {
    "harm_to_others": "securing it would harm the provision made for other children and young people",
    "inefficient_use": "it would be an inefficient use of resources",
}


def decline_reason(decline: Decline) -> Reason:
    """The written reason of an ELIG-12 refusal: the ground, the LA's words and every piece of evidence."""
    evidence = "; ".join(f"{e.description} ({e.reference})" for e in decline.evidence)
    return Reason("ELIG-12", f"Declined on {decline.declined_on.isoformat()} because {GROUND_WORDS[decline.ground]}: "
                             f"{decline.reason} Evidence: {evidence}. The family may ask for a review (ELIG-10).")


def with_declines(name: str, outcome: Outcome, declines: tuple[Decline, ...], *, kind: str,
                  protected: bool = False) -> Outcome:
    """A stream's (``kind="stream"``) or arrangement's outcome once the declines in force are applied: refused,
    with each ELIG-12 reason after any it already had. ``protected``: the continuing-care health budget
    (ELIG-13), which a decline does not refuse."""
    covering = [d for d in declines if (d.whole and kind == "stream")
                or name in (d.streams if kind == "stream" else d.arrangements)]
    if not covering:
        return outcome
    if protected:
        return Outcome(outcome.granted, (*outcome.reasons, Reason(
            "ELIG-13", "Not declined: ELIG-12 cannot refuse the personal health budget that NHS continuing care "
                       "gives a right to.")))
    kept = () if outcome.granted else outcome.reasons
    return Outcome(False, (*kept, *(decline_reason(d) for d in covering)))


def decline_errors(decline: Decline, *, streams: Mapping[str, bool], arrangements: Mapping[str, bool],
                   continuing_care: bool) -> list[tuple[str, str, str | None]]:
    """What makes a decline unanswerable against the decision in force ({name: granted}), as (field, message,
    rule): it declines only what that decision grants, and never the continuing-care health budget."""
    errors: list[tuple[str, str, str | None]] = []
    if decline.whole and not any(streams.values()):
        errors.append(("streams", "no stream is eligible in the decision in force: there is nothing to decline",
                       None))
    for kind, names, granted in (("streams", decline.streams, streams),
                                 ("arrangements", decline.arrangements, arrangements)):
        for i, name in enumerate(names):
            if name not in granted:
                errors.append((f"{kind}.{i}", f"{name} was not asked for in this request", None))
            elif not granted[name]:
                errors.append((f"{kind}.{i}", f"{name} is already refused in the decision in force: there is "
                                              "nothing to decline", None))
            elif kind == "streams" and name == "health" and continuing_care:
                errors.append((f"{kind}.{i}", "ELIG-13: the personal health budget that NHS continuing care gives "
                                              "a right to cannot be declined under ELIG-12", "ELIG-13"))
    return errors
