"""ICB health funding over REST, the same as the ``icb.health_funding.changed.v1`` event (BUD-07)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kit.idempotency import IdempotencyKey, idempotent
from kit.service import SessionDep
from services.budget.routers.access import AUDIT, Health, Trail, stored
from services.budget.schemas import HealthFundingIn, HealthFundingOutcome
from services.budget.service import health

router = APIRouter(tags=["budgets"], dependencies=[AUDIT])


@router.post("/health-funding-events", status_code=202, summary="Receive ICB health funding",
             response_model=HealthFundingOutcome)
async def health_funding_event(
    body: HealthFundingIn, request: Request, session: SessionDep, caller: Health, trail: Trail,
    key: IdempotencyKey = None
) -> JSONResponse:
    """An ICB's change to a child's health funding: the same payload as the RabbitMQ event
    `icb.health_funding.changed.v1` (BUD-07).

    Each `event_id` applies once, whichever channel brought it. The health stream's agreed amount becomes the
    `annual_amount_pence` of the event with the latest `effective_from`; an older event arriving later is kept
    but does not overwrite it. For a child without an open budget the event is held and applied when one
    opens. An amount that leaves an agreed budget's health stream below the cost of its agreed health provision
    flags the budget `insufficient` (BUD-05), brings its review forward (BUD-09) and publishes
    `budget.insufficient.v1`. **202** `{event_id, outcome: applied|held|superseded|duplicate, status, budget_id,
    ...}`."""
    caller.ensure_la(body.local_authority)

    async def produce():
        result = await health.receive_health_funding(
            session, health.HealthFunding(**body.model_dump()), channel="rest"
        )
        if result["outcome"] == "applied":
            trail.touched(result["budget_id"])
        return 202, stored(HealthFundingOutcome.model_validate(result))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)
