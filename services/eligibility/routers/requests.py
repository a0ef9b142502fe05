"""``/v1/eligibility/requests``: a family's requests for a personal budget, their decisions and reviews."""
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from kit.auth import caller_with
from kit.idempotency import IdempotencyKey, idempotent
from kit.pagination import Cursor, Limit
from kit.service import SessionDep, settings_of
from services.eligibility import service
from services.eligibility.schemas import (
    LA_CODE,
    DecisionPage,
    DecisionRead,
    DeclineCreate,
    RequestCreate,
    ReviewCreate,
)

router = APIRouter(tags=["eligibility"])
Casework = caller_with("casework")
Reader = caller_with("casework", "read")
RequestId = Annotated[str, Path(max_length=64, description="The request id returned when it was made")]

PROBLEMS = {
    403: {"description": "The token lacks the scope, or local_authority is not one of the token's LAs"},
    404: {"description": "No such request in the caller's local authorities"},
    422: {"description": "Invalid input; `errors` names each field"},
}


@router.post("/requests", status_code=201, response_model=DecisionRead, responses=PROBLEMS,
             summary="Request a personal budget and get the decision")
async def create_request(body: RequestCreate, request: Request, session: SessionDep, caller: Casework,
                         key: IdempotencyKey = None):
    """Record a parent's or young person's request for a personal budget and decide it at once (ELIG-11).

    The decision covers exactly the streams and arrangements asked for (ELIG-05), with one exception: a CYP
    eligible for NHS continuing care (`continuing_care`) has the right to a personal health budget, so the
    `health` stream is eligible whatever the stage or who asked, and is offered (a first reason "Offered
    under ELIG-13") when not asked for; only a period in custody refuses it (ELIG-13, ELIG-08). Each stream
    is `eligible` or not and each arrangement `allowed` or not, with **every** reason that applies as
    `{rule, message}`: the grounds when granted (e.g. ELIG-01 when an EHCP exists), every refusal reason when
    not (ELIG-02 to ELIG-09). `status` is `eligible` (every stream eligible and at least one arrangement
    allowed), `not_eligible` (no stream eligible) or `partially_eligible`. A refusal is a **201 decision with
    reasons**, not an error; the family may ask for a review (`POST /requests/{id}/review`).

    Ages come from `date_of_birth` on `requested_on`: under 26 (ELIG-04); a young person from 1 September
    after the school year in which they turn 16, who then makes the requests and decisions: a parent's request
    for a young person is taken as made on their behalf, with an ELIG-14 reason (ELIG-04, ELIG-14). A care
    leaver (`care_leaver`) keeps their entitlement after 18 (ELIG-14). A `transition` plan (ELIG-14) may be
    recorded from the review in year 9; before it, a 422 naming `transition.reviewed_on` with rule ELIG-14.
    Whether custody closes a budget (ELIG-08) is set per LA (on by default). `id` is the request's id for
    life; `decision_id` names this decision. Publishes
    `eligibility.request_decided.v1`. Repeat safely with `Idempotency-Key`.

    Errors: 422 naming the field for an unknown stream, arrangement or stage, a date of birth after the
    request date, a request date in the future, or direct_payment asked without a `recipient`; 403 naming
    `local_authority` when it is not one of the token's LAs.
    """
    async def produce():
        decided = await service.submit(session, body=body, caller=caller, settings=settings_of(request))
        return 201, DecisionRead.model_validate(decided)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("/requests", response_model=DecisionPage, summary="List requests, newest first")
async def list_requests(session: SessionDep, caller: Reader, limit: Limit = 50, cursor: Cursor = None,
                        child_id: Annotated[str | None, Query(max_length=64)] = None,
                        local_authority: Annotated[str | None, Query(pattern=LA_CODE)] = None):
    """The requests of the caller's local authorities, newest first, each with its current decision. Filter
    by `child_id` (a CYP's history) or `local_authority`. Paginated: pass `next_cursor` back as `cursor`."""
    items, next_cursor = await service.history(session, caller=caller, child_id=child_id,
                                               local_authority=local_authority, limit=limit, cursor=cursor)
    return DecisionPage(items=items, next_cursor=next_cursor)  # items read from their attributes


@router.get("/requests/{request_id}", response_model=DecisionRead, responses=PROBLEMS,
            summary="A request with its current decision")
async def read_request(request_id: RequestId, session: SessionDep, caller: Reader):
    """The request with its current decision. After a review, `supersedes_decision_id` and
    `links.supersedes` point to the decision it replaced, and `links.decisions` lists them all. Another
    LA's request is a 404."""
    return DecisionRead.model_validate(await service.current(session, request_id=request_id, caller=caller))


@router.get("/requests/{request_id}/decisions", response_model=DecisionPage, responses=PROBLEMS,
            summary="Every decision on a request, newest first")
async def list_decisions(request_id: RequestId, session: SessionDep, caller: Reader, limit: Limit = 50,
                         cursor: Cursor = None):
    """The decision history of one request (ELIG-11): the first decision and one per review, newest first;
    `current` marks the one in force."""
    items, next_cursor = await service.decisions(session, request_id=request_id, caller=caller, limit=limit,
                                                 cursor=cursor)
    return DecisionPage(items=items, next_cursor=next_cursor)  # items read from their attributes


@router.get("/requests/{request_id}/decisions/{decision_id}", response_model=DecisionRead,
            responses=PROBLEMS, summary="One decision on a request")
async def read_decision(request_id: RequestId, decision_id: Annotated[str, Path(max_length=64)],
                        session: SessionDep, caller: Reader):
    """One decision, current or superseded, exactly as it was made: decisions never change."""
    decided = await service.one_decision(session, request_id=request_id, decision_id=decision_id, caller=caller)
    return DecisionRead.model_validate(decided)


@router.post("/requests/{request_id}/review", status_code=201, response_model=DecisionRead,
             responses=PROBLEMS, summary="Review a decision")
async def review_request(request_id: RequestId, body: ReviewCreate, request: Request, session: SessionDep,
                         caller: Casework, key: IdempotencyKey = None):
    """Re-open the current decision at the family's request (ELIG-10).

    The `reason`, who asked (`asked_by`) and the client that recorded it are kept. Facts that have changed
    or were wrong go in the optional `corrections` (e.g. `{"setting_agreement": true}` once the head has
    agreed in writing, ELIG-09); only the fields given change. The request is decided again on those facts
    under the current rules and the LA's current settings, and the new decision supersedes the old
    (`supersedes_decision_id`); the request `id` stays the same. A `transition` plan recorded at the review in
    year 9 or later goes in `corrections` (ELIG-14; before year 9, a 422 naming
    `corrections.transition.reviewed_on` with rule ELIG-14). An ELIG-12 decline stays in force on review unless
    the LA withdraws it: `corrections: {"declines": []}`. Invalid corrections are a 422 naming
    `corrections.<field>`. Publishes `eligibility.request_decided.v1`.
    409 if another review of the same decision landed at the same moment. After a review, the family's route
    is a complaint (there is no tribunal appeal).
    """
    async def produce():
        decided = await service.review(session, request_id=request_id, body=body, caller=caller,
                                       settings=settings_of(request))
        return 201, DecisionRead.model_validate(decided)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/requests/{request_id}/decline", status_code=201, response_model=DecisionRead,
             responses=PROBLEMS, summary="Decline a personal budget, or part of one (ELIG-12)")
async def decline_request(request_id: RequestId, body: DeclineCreate, request: Request, session: SessionDep,
                          caller: Casework, key: IdempotencyKey = None):
    """The LA declines the personal budget, or part of it, because securing it would harm the provision made
    for others (`harm_to_others`) or be an inefficient use of resources (`inefficient_use`), block contract or
    not (ELIG-12).

    Name the `streams` and/or `arrangements` declined (each granted by the decision in force), or neither for
    the whole budget. The `reason` (plain English) and the `evidence` (at least one `{description,
    reference}`) are required: the family is owed them. A new decision supersedes the one in force: each
    declined stream or arrangement is refused with an ELIG-12 reason stating the ground, the reason and the
    evidence, and `declines` lists the declines it was made under. Declines stay in force through later
    reviews (ELIG-10) until a review withdraws them (`corrections: {"declines": []}`). Publishes
    `eligibility.request_decided.v1` (with `declines`). Repeat safely with `Idempotency-Key`.

    Errors: 422 naming `evidence` when it is empty; 422 naming `streams.<i>` or `arrangements.<i>` for what the
    decision in force does not grant, and (rule ELIG-13) for the personal health budget that NHS continuing care
    gives a right to, which cannot be declined; 404 for another LA's request.
    """
    async def produce():
        decided = await service.decline(session, request_id=request_id, body=body, caller=caller,
                                        settings=settings_of(request))
        return 201, DecisionRead.model_validate(decided)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)
