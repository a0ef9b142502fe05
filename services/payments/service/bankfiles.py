"""The bank files of a run: BACS Standard 18 (labelled, or its data records alone) and CSV, made for the run's LA
with its own originator, numbered once per LA and processing day."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.errors import Conflict
from kit.events import utcnow
from services.payments import repository
from services.payments.domain import bankfile
from services.payments.domain.bankfile import Originator, Submission
from services.payments.models import BankFileSubmission, Run
from services.payments.service.runs import credits
from services.payments.settings import ORIGINATORS_SETTING, PaymentsSettings

FORMATS = ("bacs18", "bacs18-unlabelled", "csv")


def originator(settings: PaymentsSettings, la: str) -> Originator:
    """The LA's own originator; outside dev mode an LA with none configured has no bank file (409)."""
    found = settings.originator_for(la)
    if found is None:
        raise Conflict(f"no BACS originator is configured for {la}: set {ORIGINATORS_SETTING}[{la!r}] (service user "
                       "number, name, sort code and account of the council's direct-payments account)")
    return Originator(found.sort_code, found.account_number, found.service_user_number, found.name)


async def submission(session: AsyncSession, run: Run, origin: Originator) -> Submission:
    """The run's file number, given the first time its BACS file is made and the same ever after: the next serial
    of the LA's files for the run's processing day (unique per LA and day, so two files made at once get two)."""
    for _ in range(5):
        found = await repository.bank_file_submission(session, run.id)
        if found is not None:
            return Submission(found.processing_day, found.serial, found.created_on)
        serial = await repository.last_serial(session, la=run.local_authority, processing_day=run.run_date) + 1
        if serial > 999:
            raise Conflict(f"{run.local_authority} already has 999 bank files for {run.run_date}, the most a "
                           "processing day takes")
        try:
            async with session.begin_nested():
                session.add(BankFileSubmission(run_id=run.id, local_authority=run.local_authority,
                                               processing_day=run.run_date, serial=serial,
                                               service_user_number=origin.service_user_number,
                                               created_on=clock.today(), created_at=utcnow()))
        except IntegrityError:
            continue  # another request numbered a file of that day at the same moment: take the next serial
    raise Conflict("the bank file could not be numbered (too many at once): try again")


async def bank_file(session: AsyncSession, run: Run, settings: PaymentsSettings, *, format: str) -> str:
    """The run's bank file in ``format`` (``FORMATS``), bank details opened for it alone."""
    found = credits(await repository.run_credits(session, run.id), settings.keyring)
    if format == "csv":
        return bankfile.csv_file(found)
    origin = originator(settings, run.local_authority)
    if format == "bacs18-unlabelled":
        return bankfile.bacs18_unlabelled(found, origin=origin)
    return bankfile.bacs18(found, origin=origin, submission=await submission(session, run, origin))
