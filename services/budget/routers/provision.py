"""Provision lines of a budget (BUD-02, BUD-03, BUD-04, BUD-05, BUD-15, ELIG-09)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kit.idempotency import IdempotencyKey, idempotent
from kit.service import SessionDep
from services.budget.domain.budget import Line
from services.budget.routers.access import AUDIT, Casework, stored
from services.budget.schemas import ProvisionCreate, ProvisionRead
from services.budget.service import budgets, planning

router = APIRouter(tags=["budgets"], dependencies=[AUDIT])


@router.post("/{budget_id}/provisions", status_code=201, summary="Add a provision line",
             response_model=ProvisionRead)
async def add_provision(budget_id: str, body: ProvisionCreate, request: Request, session: SessionDep,
                        caller: Casework, key: IdempotencyKey = None) -> JSONResponse:
    """Add costed provision written in the plan. `outcome` is required (BUD-02: 422 naming it); `category:
    school_place` is refused (BUD-03: 409); a `direct_payment` line `on_setting_premises` without
    `setting_agreement: true` is refused (ELIG-09: 409); education money from a school's own budget
    (`funding_source: school_budget`) needs `head_agreement: true` (BUD-04: 409). Lines are added while the
    budget is draft or indicative; after agreement only if the stream's agreed amount still covers them
    (BUD-05). `category` is one of the published categories (`GET /v1/budgets/provision-categories`): a place at
    a school, college or early-years setting under any name is refused (BUD-03: 409); any other category off the
    menu is 422 naming `category`, with `rule: BUD-15` and `valid_categories`. `contract_id` names the block
    contract that serves the provision (CON-10): `budget.provision_added.v1` tells contracts, which lists the child
    under that contract (`GET /v1/contracts/{id}/children`). Returns the line. Send an
    `Idempotency-Key`: a retry replays the first response and adds no second line."""

    async def produce():
        budget = await budgets.load(session, budget_id, caller, lock=True)
        line = Line(**body.model_dump(exclude={"description", "contract_id"}))
        provision = await planning.add_provision(
            session, budget, line, description=body.description, contract_id=body.contract_id
        )
        return 201, stored(ProvisionRead.model_validate(provision))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)
