"""Payloads of the events the budget service publishes (docs/events.md is the contract)."""
from __future__ import annotations

from collections.abc import Mapping

from kit.events import Envelope
from services.budget.models import Budget

__all__ = ["booking_refused", "budget_agreed", "budget_closed", "budget_opened", "budget_varied",
           "health_funding_applied", "reassessment_requested"]

PRODUCER = "budget"


def _envelope(type_: str, budget: Budget, payload: dict, cause: Envelope | None) -> Envelope:
    if cause is not None:
        return cause.caused(type_, producer=PRODUCER, payload=payload)
    return Envelope(type=type_, producer=PRODUCER, local_authority=budget.local_authority, payload=payload)


def _plan(budget: Budget) -> dict:
    """The fields that name a budget and its plan period in budget.opened.v1 and budget.agreed.v1."""
    return {
        "budget_id": budget.id,
        "child_id": budget.child_id,
        "local_authority": budget.local_authority,
        "plan_reference": budget.plan_reference,
        "period_start": budget.period_start.isoformat(),
        "period_end": budget.period_end.isoformat(),
    }


def budget_opened(
    budget: Budget, indicative_pence: Mapping[str, int], cause: Envelope | None = None
) -> Envelope:
    return _envelope(
        "budget.opened.v1",
        budget,
        {
            **_plan(budget),
            "indicative_pence": dict(indicative_pence),
            "opened_from": budget.opened_from,
        },
        cause,
    )


def budget_agreed(budget: Budget, streams: Mapping[str, tuple[int, int]]) -> Envelope:
    """``streams``: stream → (agreed_pence, direct_payment_pence)."""
    return _envelope(
        "budget.agreed.v1",
        budget,
        {
            **_plan(budget),
            "agreed_at": budget.agreed_at.isoformat(),
            "streams": {s: {"agreed_pence": a, "direct_payment_pence": dp} for s, (a, dp) in streams.items()},
            "direct_payment_total_pence": sum(dp for _, dp in streams.values()),
        },
        None,
    )


def health_funding_applied(event: dict, previous_pence: int, cause: Envelope | None) -> Envelope:
    """``event``: the recorded ICB event (its columns), applied to ``event["budget_id"]``."""
    payload = {
        "budget_id": event["budget_id"], "child_id": event["child_id"],
        "local_authority": event["local_authority"], "icb_event_id": event["event_id"],
        "annual_amount_pence": event["annual_amount_pence"], "previous_amount_pence": previous_pence,
        "effective_from": event["effective_from"].isoformat(), "reason": event["reason"],
    }
    if cause is not None:
        return cause.caused("budget.health_funding_applied.v1", producer=PRODUCER, payload=payload)
    return Envelope(type="budget.health_funding_applied.v1", producer=PRODUCER,
                    local_authority=event["local_authority"], payload=payload)


def budget_closed(budget: Budget, *, closed_on, reason: str) -> Envelope:
    """The budget closed (plan period over, or plan ceased): payments stops its agreements from ``closed_on``."""
    return _envelope("budget.closed.v1", budget, {**_plan(budget), "closed_on": closed_on.isoformat(),
                                                  "reason": reason}, None)


def budget_varied(
    budget: Budget, *, variation_id: str, stream: str, from_pence: int, to_pence: int, reasons: str,
    direct_payment_pence: int, effective_from,
) -> Envelope:
    """Additive to v1: a stream's agreed amount changed after agreement (BUD-10), with the stream's direct-payment
    share after the change and the date it applies from."""
    return _envelope(
        "budget.varied.v1",
        budget,
        {
            "budget_id": budget.id,
            "child_id": budget.child_id,
            "local_authority": budget.local_authority,
            "variation_id": variation_id,
            "stream": stream,
            "previous_agreed_pence": from_pence,
            "agreed_pence": to_pence,
            "reasons": reasons,
            "direct_payment_pence": direct_payment_pence,
            "effective_from": effective_from.isoformat(),
        },
        None,
    )


def booking_refused(cause: Envelope, *, budget_id: str | None, child_id: str, la: str, stream: str | None,
                    amount_pence: int, rule: str, reason: str, transfer_id: str | None = None,
                    payment_id: str | None = None, recovery_id: str | None = None) -> Envelope:
    """Additive to v1: money another service moved that the budget will not book (a business refusal, not a dead
    letter): the producer of ``refused_event_type`` acts on it."""
    payload = {"refused_event_type": cause.type, "refused_event_id": str(cause.event_id), "budget_id": budget_id,
               "child_id": child_id, "local_authority": la, "stream": stream, "amount_pence": amount_pence,
               "transfer_id": transfer_id, "payment_id": payment_id, "recovery_id": recovery_id, "rule": rule,
               "reason": reason}
    return cause.caused("budget.booking_refused.v1", producer=PRODUCER, payload=payload)


def budget_insufficient(budget: Budget, *, stream: str, agreed_pence: int, provision_cost_pence: int, since,
                        effective_from, reasons: list[dict], icb_event_id: str | None, review_due,
                        cause: Envelope | None) -> Envelope:
    """Additive to v1 (BUD-05): a stream of an agreed budget no longer covers its agreed provision (an ICB cut),
    or is short by a different amount than last said; an early review falls due on ``review_due`` (BUD-09)."""
    return _envelope("budget.insufficient.v1", budget, {
        "budget_id": budget.id, "child_id": budget.child_id, "local_authority": budget.local_authority,
        "stream": stream, "agreed_pence": agreed_pence, "provision_cost_pence": provision_cost_pence,
        "shortfall_pence": provision_cost_pence - agreed_pence, "since": since.isoformat(),
        "effective_from": effective_from.isoformat(), "reasons": reasons, "icb_event_id": icb_event_id,
        "review_due": review_due.isoformat()}, cause)


def budget_insufficiency_cleared(budget: Budget, *, stream: str, agreed_pence: int, provision_cost_pence: int,
                                 since, cleared_on, reason: str, icb_event_id: str | None,
                                 variation_id: str | None, cause: Envelope | None) -> Envelope:
    """Additive to v1 (BUD-05): a stream flagged by ``budget.insufficient.v1`` covers its agreed provision again,
    by new ICB funding (``icb_event_id``) or a variation (``variation_id``)."""
    return _envelope("budget.insufficiency_cleared.v1", budget, {
        "budget_id": budget.id, "child_id": budget.child_id, "local_authority": budget.local_authority,
        "stream": stream, "agreed_pence": agreed_pence, "provision_cost_pence": provision_cost_pence,
        "since": since.isoformat(), "cleared_on": cleared_on.isoformat(), "reason": reason,
        "icb_event_id": icb_event_id, "variation_id": variation_id}, cause)


def reassessment_requested(budget: Budget, *, review_id: str, requested_on, reason: str) -> Envelope:
    """Additive to v1 (BUD-12): the child's circumstances changed; a new RAS assessment is wanted and a review is
    due (by ``review_due``, at once)."""
    return _envelope("budget.reassessment_requested.v1", budget, {
        "budget_id": budget.id, "child_id": budget.child_id, "local_authority": budget.local_authority,
        "plan_reference": budget.plan_reference, "review_id": review_id, "requested_on": requested_on.isoformat(),
        "reason": reason, "review_due": budget.next_review_due.isoformat()}, None)
