"""The general-ledger journal of payment runs, for a council's finance system: ``/v1/payments/runs/{id}/journal.csv``
and ``/v1/payments/journal.csv``."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from kit.auth import caller_with
from kit.errors import InvalidInput
from kit.reports import LocalAuthority
from kit.service import SessionDep, settings_of
from services.payments.service import journal, runs

router = APIRouter(tags=["payments: runs"])
Finance = caller_with("finance")
MAX_DAYS = 400
From = Annotated[date, Query(alias="from", ge=date(2000, 1, 1), le=date(2100, 12, 31),
                             description="The first run date of the journal")]
To = Annotated[date, Query(alias="to", ge=date(2000, 1, 1), le=date(2100, 12, 31),
                           description="The last run date of the journal (included)")]
CSV = {200: {"content": {"text/csv": {}}, "description": "The journal: UTF-8 with a BOM, CRLF line ends"}}
COLUMNS_DOC = " ".join("""Columns: `journal_date` (the run date),
    `journal_reference` (`DPRUN-<yyyymmdd>-<run id's first 8>`),
    `local_authority`, `line` (1, 2, … within the journal), `cost_centre`, `account_code`, `description`, `debit`,
    `credit` (pounds with two decimals, `1234.56`, no £ sign) and `amount` (signed: debits positive, credits
    negative). Per run one debit line per stream (the LA's cost centre and account for the stream, from
    `SENDPB_PAYMENTS_GL_ACCOUNTS_BY_LA`) and one credit line to the bank (contra) account for the run's total, so
    each run's journal balances to zero and its debits total the bank file's credits. UTF-8 with a byte-order mark
    and CRLF line ends, so Excel opens it as it is.""".split())


def _csv(text: str, filename: str) -> Response:
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/runs/{run_id}/journal.csv", response_class=Response, responses=CSV,
            summary="The run's general-ledger journal (CSV)",
            description="The run's general-ledger journal for the council's finance system (scope `finance`; "
                        "another LA's run is a 404). " + COLUMNS_DOC)
async def run_journal(run_id: str, request: Request, session: SessionDep, caller: Finance) -> Response:
    run = await runs.find(session, caller, run_id)
    return _csv(await journal.run_journal(session, run, settings_of(request)), f"journal-run-{run.id}.csv")


@router.get("/journal.csv", response_class=Response, responses=CSV,
            summary="The general-ledger journal of a period's runs (CSV)",
            description="The journals of the LA's payment runs dated from `from` to `to` (both included, at most "
                        "400 days), one after another (scope `finance`; another LA's code is a 403). "
                        + COLUMNS_DOC)
async def period_journal(request: Request, session: SessionDep, caller: Finance,
                         local_authority: LocalAuthority, start: From, end: To) -> Response:
    caller.ensure_la(local_authority)
    if end < start:
        raise InvalidInput.field("to", "must be on or after from")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput.field("to", f"a journal covers at most {MAX_DAYS} days")
    text = await journal.period_journal(session, la=local_authority, start=start, end=end,
                                        settings=settings_of(request))
    return _csv(text, f"journal-{local_authority}-{start}-{end}.csv")
