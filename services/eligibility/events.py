"""What the eligibility service publishes (docs/events.md is the contract)."""

from __future__ import annotations

from kit.events import Envelope
from services.eligibility.models import Decision, EligibilityRequest

REQUEST_DECIDED = "eligibility.request_decided.v1"


def _utc(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def request_decided(
    request: EligibilityRequest,
    decision: Decision,
    *,
    eligible_streams: list[str],
    allowed_arrangements: list[str],
) -> Envelope:
    """``eligibility.request_decided.v1``: a request was decided, or a review produced a new decision."""
    return Envelope(
        type=REQUEST_DECIDED,
        producer="eligibility",
        local_authority=request.local_authority,
        correlation_id=request.id,
        payload={
            "request_id": request.id,
            "decision_id": decision.id,
            "supersedes_decision_id": decision.supersedes_decision_id,
            "child_id": request.child_id,
            "local_authority": request.local_authority,
            "status": decision.status,
            "streams": decision.streams,
            "arrangements": decision.arrangements,
            "eligible_streams": eligible_streams,
            "allowed_arrangements": allowed_arrangements,
            "requested_on": request.requested_on.isoformat(),
            "decided_at": _utc(decision.decided_at),
            "rules_version": decision.rules_version,
        },
    )
