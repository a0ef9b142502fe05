"""HTTP endpoints of the budget service, mounted under ``/v1/budgets``: budgets, provision, panel, agreement,
the ledger, ICB health funding and the audit log. Variations, reviews and reports are in ``router_after.py``.

Both routers record who read or changed a child's budget (``AUDIT``, see ``kit.audit``)."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from kit.audit import audited, history, recorder
from kit.auth import caller_with
from kit.idempotency import IdempotencyKey, idempotent
from kit.pagination import Cursor, Limit, newest_first, page_of
from kit.service import SessionDep, settings_of
from services.budget import repository as repo
from services.budget.domain.budget import Line
from services.budget.models import AuditEntry, Budget
from services.budget.schemas import BudgetCreate, HealthFundingIn, PanelDecisionCreate, ProvisionCreate
from services.budget.service import common, health, opening, planning


async def _whose(session: AsyncSession, budget_id: str) -> dict | None:
    """The budget and child an audit record names. The endpoint has already loaded the budget in the caller's
    LAs, so this is the session's copy, not another query."""
    budget = await session.get(Budget, budget_id)
    if budget is None:
        return None
    return {"budget_id": budget.id, "local_authority": budget.local_authority, "child_id": budget.child_id}


# Every route naming {budget_id} is recorded; lists and creates name what they touched with `trail.touched`.
# Reading the audit log itself is not recorded (it would fill the log with its own reads).
AUDIT, Trail = audited(recorder(AuditEntry, _whose), path_param="budget_id", unaudited=("read_audit",))
router = APIRouter(tags=["budgets"], dependencies=[AUDIT])
Casework = caller_with("casework")
Panel = caller_with("panel")
Agreeing = caller_with("casework", "panel")
Health = caller_with("health")
Reader = caller_with("casework", "read", "panel", "finance")
LedgerReader = caller_with("finance", "read")
AuditReader = caller_with("read")


@router.post("", status_code=201, summary="Open a budget")
async def create_budget(body: BudgetCreate, request: Request, session: SessionDep, caller: Casework, trail: Trail,
                        key: IdempotencyKey = None) -> JSONResponse:
    """Open a child's pooled budget for one plan period (BUD-01).

    `indicative_pence` per stream is optional: without it the amounts come from the child's latest RAS result
    (eligible streams only). Any health funding the ICB sent before the budget existed is applied now
    (BUD-07). A second budget for a period overlapping an existing one is **409** with `rule: BUD-01` and its
    `budget_id`. Returns the budget (as `GET /v1/budgets/{id}`). Budgets are also opened automatically when
    the child has both an eligible request and a RAS result (`opened_from: events`)."""
    caller.ensure_la(body.local_authority)

    async def produce():
        budget = await opening.open_budget(
            session, la=body.local_authority, child_id=body.child_id, plan_reference=body.plan_reference,
            period=(body.period_start, body.period_end), indicative_pence=body.indicative_pence)
        trail.touched(budget.id)
        return 201, await common.budget_view(session, budget)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("", summary="List budgets")
async def list_budgets(session: SessionDep, caller: Reader, trail: Trail,
                       child_id: str | None = Query(None, max_length=64), limit: Limit = 50,
                       cursor: Cursor = None) -> dict:
    """The caller's LAs' budgets, newest first, optionally for one child: `{items, next_cursor}`."""
    rows = await repo.list_budgets(
        session,
        caller,
        child_id=child_id,
        limit=limit,
        cursor_stmt=lambda s: newest_first(s, Budget.created_at, Budget.id, limit=limit, cursor=cursor),
    )
    page, next_cursor = page_of(rows, limit=limit)
    trail.touched(*(b.id for b in page))
    return {"items": [await common.budget_view(session, b) for b in page], "next_cursor": next_cursor}


@router.post("/health-funding-events", status_code=202, summary="Receive ICB health funding")
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
        return 202, result

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("/{budget_id}", summary="A budget")
async def read_budget(budget_id: str, session: SessionDep, caller: Reader) -> dict:
    """The budget: `status` (draft, indicative, submitted, agreed, closed), per stream `indicative_pence`,
    `agreed_pence`, `released_pence`, `committed_pence`, `spent_pence` and `available_pence` (= agreed +
    released − committed − spent, BUD-08; every figure is a sum of ledger entries), `provisions`,
    `panel_decisions` and `next_review_due`. `insufficient` lists the streams whose agreed amount no longer
    covers their agreed provision since an ICB cut (BUD-05: `stream`, `rule`, `agreed_pence`,
    `provision_cost_pence`, `shortfall_pence`, `message`, `since`), until funding or a variation covers it again.
    Another LA's budget is 404."""
    return await common.budget_view(session, await repo.budget_for(session, budget_id, caller))


@router.get("/{budget_id}/ledger", summary="The budget's ledger")
async def read_ledger(
    budget_id: str,
    session: SessionDep,
    caller: LedgerReader,
    limit: Limit = 100,
    before: int | None = Query(None, ge=1, le=2**63 - 1, description="next_before from the previous page"),
) -> dict:
    """Every movement of money on the budget, newest first (BUD-08): each transaction has `kind`, a
    plain-English `memo` and double entries `{stream, account, amount_pence}` (debit positive, credit
    negative) summing to 0. Corrections appear as reversals, never as edits. `{items, next_before}`."""
    await repo.budget_for(session, budget_id, caller)
    txns, entries = await repo.ledger(session, budget_id, limit=limit, before=before)
    page = txns[:limit]
    return {
        "items": [
            {
                "id": t.id,
                "kind": t.kind,
                "memo": t.memo,
                "reference": t.reference,
                "reverses_id": t.reverses_id,
                "created_at": t.created_at,
                "entries": [
                    {"stream": e.stream, "account": e.account, "amount_pence": e.amount_pence}
                    for e in entries.get(t.id, [])
                ],
            }
            for t in page
        ],
        "next_before": page[-1].id if len(txns) > limit else None,
    }


@router.get("/{budget_id}/audit", summary="Who read or changed the budget")
async def read_audit(budget_id: str, session: SessionDep, caller: AuditReader, limit: Limit = 100,
                     cursor: Cursor = None) -> dict:
    """The budget's audit log, newest first (scope `read`; another LA's budget is 404): one record per read of
    the budget (itself, its ledger, statement, variations, reviews, or a list that showed it) and per change
    (every POST on it, its opening by a client, ICB funding applied through this API), with `client_id` (from
    the token), `kind` (`read`|`change`), `action` and `route`, `request_id` (the `X-Request-ID` of the
    request, as in the logs) and `occurred_at`. A change is recorded in its own transaction: refused changes
    leave no record. A read is recorded when it returned the budget: a failed read or a 404 leaves none.
    Reads of this log are not recorded. Changes made by events (opening from eligibility and RAS, ICB events
    over the broker, payments) are not requests of a client and are traced through their events.
    `{items, next_cursor}`."""
    await repo.budget_for(session, budget_id, caller)
    page = await history(session, AuditEntry, AuditEntry.budget_id == budget_id, limit=limit, cursor=cursor)
    return {"items": [{"id": e.id, "budget_id": e.budget_id, "child_id": e.child_id,
                       "local_authority": e.local_authority, "client_id": e.client_id, "kind": e.kind,
                       "action": e.action, "route": e.route, "request_id": e.request_id,
                       "occurred_at": e.occurred_at} for e in page["items"]],
            "next_cursor": page["next_cursor"]}


@router.post("/{budget_id}/provisions", status_code=201, summary="Add a provision line")
async def add_provision(budget_id: str, body: ProvisionCreate, request: Request, session: SessionDep,
                        caller: Casework, key: IdempotencyKey = None) -> JSONResponse:
    """Add costed provision written in the plan. `outcome` is required (BUD-02: 422 naming it); `category:
    school_place` is refused (BUD-03: 409); a `direct_payment` line `on_setting_premises` without
    `setting_agreement: true` is refused (ELIG-09: 409); education money from a school's own budget
    (`funding_source: school_budget`) needs `head_agreement: true` (BUD-04: 409). Lines are added while the
    budget is draft or indicative; after agreement only if the stream's agreed amount still covers them
    (BUD-05). `category` is one of the published categories (`GET /v1/budgets/provision-categories`): a place at
    a school, college or early-years setting under any name is refused (BUD-03: 409); any other category off the
    menu is 422 naming `category`, with `rule: BUD-15` and `valid_categories`. Returns the line. Send an
    `Idempotency-Key`: a retry replays the first response and adds no second line."""

    async def produce():
        budget = await repo.budget_for(session, budget_id, caller, lock=True)
        line = Line(**body.model_dump(exclude={"description", "contract_id"}))
        provision = await planning.add_provision(
            session, budget, line, description=body.description, contract_id=body.contract_id
        )
        return 201, common.provision_view(provision)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/{budget_id}/submit", summary="Submit to panel")
async def submit(budget_id: str, session: SessionDep, caller: Casework) -> dict:
    """Send a draft or indicative budget with provision to panel (`status: submitted`, BUD-06). Returns the
    budget."""
    budget = await repo.budget_for(session, budget_id, caller, lock=True)
    await planning.submit(session, budget)
    return await common.budget_view(session, budget)


@router.post("/{budget_id}/panel-decisions", status_code=201, summary="Record a panel decision")
async def panel_decision(
    budget_id: str, body: PanelDecisionCreate, request: Request, session: SessionDep, caller: Panel,
    key: IdempotencyKey = None
) -> JSONResponse:
    """One stream's decision on a submitted budget (BUD-06): `approved`, `declined` or `escalated`, with the
    `agreed_pence` for the stream. An approval above the decider's delegated authority limit (per LA and
    stream; `authority: stream` by default, `senior` for escalations) is recorded as `escalated` with `rule:
    BUD-06` and needs a decision by someone whose limit covers it. `extra_pence` is what the panel awarded
    above the indicative amount. The latest decision per stream counts. Returns the recorded decision. Send an
    `Idempotency-Key`: a retry replays the first response and records no second decision."""
    settings = settings_of(request)

    async def produce():
        budget = await repo.budget_for(session, budget_id, caller, lock=True)
        recorded = await planning.decide(
            session,
            budget,
            settings,
            stream=body.stream,
            decision=body.decision,
            agreed_pence=body.agreed_pence,
            decided_by=body.decided_by,
            authority=body.authority,
        )
        return 201, common.decision_view(recorded)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/{budget_id}/agree", summary="Agree the budget")
async def agree(
    budget_id: str, request: Request, session: SessionDep, caller: Agreeing, key: IdempotencyKey = None
) -> JSONResponse:
    """Agree a submitted budget: each stream's agreed amount becomes its approved panel amount (the health
    stream keeps the ICB's funding when the ICB has sent any). Refused with **409** while a stream with
    provision has no approval (`rule: BUD-06`) or its agreed amount is less than its provision costs (`rule:
    BUD-05`), naming the `stream` and listing every `refusals` item. Publishes `budget.agreed.v1`; the first
    review falls due at the first interval of the LA's review cadence (BUD-12; 3 months by default, never more
    than 12: BUD-09). Returns the budget."""

    async def produce():
        budget = await repo.budget_for(session, budget_id, caller, lock=True)
        cadence = settings_of(request).review_cadence_for(budget.local_authority)
        await planning.agree_budget(session, budget, review_cadence=cadence)
        return 200, await common.budget_view(session, budget)

    return await idempotent(
        session, request=request, caller=caller, key=key, body={"budget_id": budget_id}, produce=produce
    )


@router.post("/{budget_id}/close", summary="Close a budget")
async def close(
    budget_id: str, request: Request, session: SessionDep, caller: Casework, key: IdempotencyKey = None
) -> JSONResponse:
    """Close the budget at the end of its plan period, or when the plan ceases (BUD-06 stages). A closed
    budget takes no more provision, panel decisions or variations; ICB health funding for the child is then
    held until a new budget opens (BUD-07). Its direct-payment agreements stop from today (PAY-08, through
    `budget.closed.v1`). Returns the budget. Accepts `Idempotency-Key`: a retry replays the first response."""

    async def produce():
        budget = await repo.budget_for(session, budget_id, caller, lock=True)
        await planning.close(session, budget, reason="closed by the local authority")
        return 200, await common.budget_view(session, budget)

    return await idempotent(
        session, request=request, caller=caller, key=key, body={"budget_id": budget_id}, produce=produce
    )
