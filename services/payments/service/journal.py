"""The general-ledger journal of a payment run and of the runs of a period (``domain/journal.py``)."""
from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.payments import repository
from services.payments.domain import journal
from services.payments.models import Run
from services.payments.settings import PaymentsSettings


async def run_lines(session: AsyncSession, run: Run, settings: PaymentsSettings) -> list[journal.Line]:
    """The run's journal lines: a debit per stream of what the bank was asked to pay, a credit to the bank."""
    accounts = settings.gl_accounts_for(run.local_authority)

    def code(stream: str | None) -> tuple[str, str]:
        found = accounts.for_stream(stream)
        return found.cost_centre, found.account

    by_stream = [(stream, int(pence)) for stream, pence, _ in await repository.run_stream_totals(session, run.id)]
    return journal.run_lines(run_id=run.id, run_date=run.run_date, la=run.local_authority, by_stream=by_stream,
                             code=code, bank=(accounts.bank.cost_centre, accounts.bank.account))


async def run_journal(session: AsyncSession, run: Run, settings: PaymentsSettings) -> str:
    return journal.csv_text(await run_lines(session, run, settings))


async def period_journal(session: AsyncSession, *, la: str, start: date, end: date,
                         settings: PaymentsSettings) -> str:
    """The journals of the LA's runs dated from ``start`` to ``end``, one after another (each balances)."""
    lines: list[journal.Line] = []
    for run in await repository.runs_between(session, la=la, start=start, end=end):
        lines += await run_lines(session, run, settings)
    return journal.csv_text(lines)
