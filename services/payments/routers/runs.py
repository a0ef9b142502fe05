"""Payment runs, bank files and bank returns: ``/v1/payments/runs``."""
from typing import Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from kit.auth import caller_with
from kit.idempotency import IdempotencyKey, idempotent
from kit.service import SessionDep, settings_of
from services.payments.schemas import Returns, ReturnsRead, RunCreate, RunRead
from services.payments.service import bankfiles, runs

router = APIRouter(tags=["payments: runs"])
Finance = caller_with("finance")
Reader = caller_with("finance", "read")


@router.post("/runs", status_code=202, response_model=RunRead)
async def start_run(body: RunCreate, request: Request, session: SessionDep, caller: Finance,
                    background: BackgroundTasks, key: IdempotencyKey = None):
    """Start a payment run: pay every instalment of the LA's signed, active agreements due up to `run_date`
    and not yet paid, arrears included (PAY-01, PAY-04). Suspended and stopped agreements are not paid.

    Answers 202 with the run; follow it with `GET /v1/payments/runs/{id}` (status `running`, `completed` or
    `failed`, `payments_count`, `total_pence`, `progress`; a run recorded before runs were taken over may show
    `interrupted`: its process died, and a new run pays what it left). Send an `Idempotency-Key`: a retry
    replays the first response and starts nothing. A run finishes by itself: if the process carrying it out
    dies, another replica (or the service once it is back) takes the run over when its lease runs out (30 s by
    default) and completes it; there is no need to post it again. Whatever happens — a retry, a second run for
    the same date, a run taken over half way, a run that failed and a new run posted — no instalment is paid
    twice and none is skipped: each chunk of a run commits whole, runs of one LA take turns, and the database
    allows one live payment per agreement and due date. Each payment publishes `payments.payment_issued.v1`."""
    caller.ensure_la(body.local_authority)
    settings = settings_of(request)

    async def produce():
        run = await runs.start(session, la=body.local_authority, run_date=body.run_date,
                               requested_by=caller.client_id, settings=settings)
        # After the response, so after this transaction has committed the run and its Idempotency-Key, the run
        # is carried out detached from the request: a proxy's timeout cannot cut it short.
        background.add_task(runs.detach, runs.carry_out(request.app.state.runtime.db, run.id, settings))
        return 202, RunRead.model_validate(run)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("/runs/{run_id}", response_model=RunRead)
async def read_run(run_id: str, session: SessionDep, caller: Reader) -> RunRead:
    """A run's status, how many payments it issued, their total and its progress."""
    return RunRead.model_validate(await runs.find(session, caller, run_id))


@router.get("/runs/{run_id}/file", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {}, "text/csv": {}}},
                       409: {"description": "No BACS originator is configured for the run's LA (outside dev mode)"}})
async def bank_file(run_id: str, request: Request, session: SessionDep, caller: Finance,
                    format: Literal["bacs18", "bacs18-unlabelled", "csv"] = Query("bacs18")) -> PlainTextResponse:
    """The run's bank file. `bacs18`: BACS Standard 18 labelled as Bacstel-IP software and bureaux take it
    (docs/bacs.md): VOL1, HDR1, HDR2, UHL1 (processing day, file number), one credit (transaction code 99) per
    payment with the amount in pence and the payee name and reference cut to 18 characters, a contra (17)
    debiting the LA's own originator account with the total, EOF1, EOF2 and UTL1 (debit and credit totals and
    counts); labels are 80 characters, data records 100, lines end CRLF. The file is numbered the first time it
    is made (a serial per LA and processing day) and is the same file when downloaded again.
    `bacs18-unlabelled`: the data records alone, for software that adds the labels itself. `csv`: one row per
    payment for finance systems. Each LA's file carries its own originator (service user number, name, contra
    account); outside dev mode an LA with none configured gets a 409. Contains full bank details (opened from
    their encrypted form for this file only)."""
    run = await runs.find(session, caller, run_id)
    text = await bankfiles.bank_file(session, run, settings_of(request), format=format)
    if format == "csv":
        return PlainTextResponse(text, media_type="text/csv",
                                 headers={"Content-Disposition": f'attachment; filename="run-{run.id}.csv"'})
    return PlainTextResponse(text,
                             headers={"Content-Disposition": f'attachment; filename="run-{run.id}.txt"'})


@router.post("/runs/{run_id}/returns", response_model=ReturnsRead)
async def bank_returns(run_id: str, body: Returns, request: Request, session: SessionDep, caller: Finance,
                       key: IdempotencyKey = None) -> JSONResponse:
    """Record payments the bank returned unpaid (`items: [{payment_id, reason}]`). Each is marked `returned`,
    reversed in the ledger, and paid again by the next run as a new payment (PAY-04). Reporting the same item
    twice changes nothing; an id that was not sent to the bank in this run is a 422 naming the item. Accepts
    `Idempotency-Key`: a retry replays the first response."""
    async def produce():
        run = await runs.find(session, caller, run_id)
        return 200, ReturnsRead.model_validate(await runs.record_returns(session, run, body.items))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)
