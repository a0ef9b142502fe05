"""Agreements, payees, signing, amounts, schedules, payments and ledgers: ``/v1/payments/agreements``."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from kit.auth import caller_with
from kit.crypto import Keyring
from kit.idempotency import IdempotencyKey, idempotent
from kit.openapi import bounded
from kit.pagination import Cursor, Limit, Page, page_of
from kit.service import SessionDep, settings_of
from services.payments.schemas import (
    AgreementCreate,
    AgreementRead,
    AmountChange,
    InstalmentRead,
    LedgerRead,
    PayeeSet,
    PaymentRead,
    Sign,
    StatusChange,
    Stop,
)
from services.payments.service import agreements, budgets, notices

router = APIRouter(tags=["payments: agreements"])
Casework = caller_with("casework")
Changer = caller_with("casework", "finance")
Reader = caller_with("casework", "finance", "read")


def _keyring(request: Request) -> Keyring:
    return settings_of(request).keyring


Keys = Annotated[Keyring, Depends(_keyring)]  # opens bank details to show them masked


@router.post("/agreements", status_code=201, response_model=AgreementRead)
async def create_agreement(body: AgreementCreate, request: Request, session: SessionDep, caller: Casework,
                           keys: Keys, key: IdempotencyKey = None):
    """Open a direct-payment agreement (casework) against an agreed budget. It starts `awaiting_signature`:
    nothing is paid until it is signed (PAY-01). Its schedule is planned at once from `start_date` to `end_date`,
    a part year pro rata (PAY-03).

    Refused with a 409 naming the rule: a budget payments does not know as agreed — not agreed yet, or its
    agreement has not reached payments yet (BUD-06); another child's budget (PAY-01); a closed budget (PAY-08);
    a stream with no agreed direct-payment share, or an amount above it (BUD-06); dates outside the plan period
    (PAY-03); a stream that already has an agreement. `budget_id` is required; `stream` may be left out when the
    budget has a single direct-payment stream. Agreements for a budget's direct-payment streams are also opened
    automatically from `budget.agreed.v1`. Send an `Idempotency-Key`: a retry replays the first response."""
    caller.ensure_la(body.local_authority)

    async def produce():
        stream, _ = await budgets.check_opening(
            session, la=body.local_authority, budget_id=body.budget_id, child_id=body.child_id, stream=body.stream,
            annual_pence=body.annual_amount_pence, start=body.start_date, end=body.end_date)
        agreement = await agreements.open_agreement(
            session, la=body.local_authority, budget_id=body.budget_id, child_id=body.child_id, stream=stream,
            annual_pence=body.annual_amount_pence, frequency=body.frequency, start=body.start_date,
            end=body.end_date, purpose=body.purpose, opened_from="manual")
        await agreements.ensure_payable(session, agreement)
        return 201, AgreementRead.model_validate(agreements.shown(agreement, keys))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("/agreements", response_model=Page[AgreementRead])
async def list_agreements(session: SessionDep, caller: Reader, keys: Keys,
                          budget_id: str | None = Query(None, max_length=36),
                          child_id: str | None = Query(None, max_length=64),
                          limit: Limit = 100, cursor: Cursor = None) -> Page[AgreementRead]:
    """Agreements of the caller's local authorities, newest first, filtered by `budget_id` and/or
    `child_id`. Pass `next_cursor` back as `cursor` for the next page."""
    rows = await agreements.listed(session, caller, budget_id=budget_id, child_id=child_id, limit=limit,
                                   cursor=cursor)
    page, next_cursor = page_of(rows, limit=limit)
    return Page[AgreementRead](items=[AgreementRead.model_validate(agreements.shown(a, keys)) for a in page],
                               next_cursor=next_cursor)


@router.get("/agreements/{agreement_id}", response_model=AgreementRead)
async def read_agreement(agreement_id: str, session: SessionDep, caller: Reader, keys: Keys) -> AgreementRead:
    """One agreement with its terms, status and payee. Bank details show only their last 4 digits."""
    return AgreementRead.model_validate(agreements.shown(await agreements.find(session, caller, agreement_id), keys))


@router.put("/agreements/{agreement_id}/payee", response_model=AgreementRead)
async def set_payee(agreement_id: str, body: PayeeSet, request: Request, session: SessionDep,
                    caller: Casework, key: IdempotencyKey = None):
    """Who is paid (parent, young person, nominee or representative) and into what: a dedicated bank account
    (`sort_code` 6 digits, `account_number` 8 digits), a prepaid card (`card_reference`) or a managed account
    (bank details and a monthly fee, DEFAULT £9.99) (PAY-02). Paying a close relative in the same household is
    exceptional and needs `exceptional_reason` (PAY-09). The details are stored encrypted (AES-256-GCM) for the
    bank file and never returned or logged in full. Send an `Idempotency-Key`: a retry replays the first response."""
    settings = settings_of(request)

    async def produce():
        agreement = await agreements.find(session, caller, agreement_id, lock=True)
        await agreements.set_payee(agreement, body, settings)
        return 200, AgreementRead.model_validate(agreements.shown(agreement, settings.keyring))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/agreements/{agreement_id}/sign", response_model=AgreementRead)
async def sign_agreement(agreement_id: str, body: Sign, request: Request, session: SessionDep, caller: Casework,
                         keys: Keys, key: IdempotencyKey = None):
    """Record the signed agreement: it becomes `active` and payment runs pay it from then on, arrears included
    (PAY-01, PAY-04). The first audit falls due within 3 months of `signed_on` (PAY-05). Refused (409 naming the
    rule) while the child's latest eligibility decision refuses direct payment (ELIG-06, ELIG-07, ELIG-09) or
    once the budget has closed (PAY-08). Send an `Idempotency-Key`: a retry replays the first response."""

    async def produce():
        agreement = await agreements.find(session, caller, agreement_id, lock=True)
        await agreements.ensure_payable(session, agreement)
        agreements.sign(agreement, signed_on=body.signed_on, signed_by=body.signed_by)
        return 200, AgreementRead.model_validate(agreements.shown(agreement, keys))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.put("/agreements/{agreement_id}/amount", response_model=AgreementRead,
            responses={202: {"description": "A reduction under notice: nothing changes before its date"}})
async def change_amount(agreement_id: str, body: AmountChange, request: Request, session: SessionDep,
                        caller: Casework, keys: Keys, key: IdempotencyKey = None):
    """Change the annual amount (BUD-10). An **increase** within the direct-payment share the panel agreed for the
    stream applies at once (200): instalments not yet paid and due from `effective_from` (default today) are
    re-planned so each plan year still adds up exactly (PAY-03); above the share it is a 409 (BUD-06).
    A **reduction** needs written `reasons` and is a notice (202): the family may ask once for reconsideration
    within the LA's window (DEFAULT 28 days), and the reduction applies from the later of `effective_from` and the
    day after the window — or after a reconsideration upholds it. The response carries the `notice`; see
    `GET .../notices`. Send an `Idempotency-Key`: a retry replays the first response."""
    settings = settings_of(request)

    async def produce():
        agreement = await agreements.find(session, caller, agreement_id, lock=True)
        found = await budgets.share(session, agreement.budget_id, agreement.stream) \
            if agreement.budget_id and agreement.stream else None
        notice = await notices.change_amount(
            session, agreement, found, annual_pence=body.annual_amount_pence, reasons=body.reasons,
            effective_from=body.effective_from,
            reconsideration_days=settings.reconsideration_days_for(agreement.local_authority),
            by=caller.client_id)
        await session.flush()
        shown = AgreementRead.model_validate(agreements.shown(agreement, keys, notice=notice))
        return (200 if notice.status == "effective" else 202), shown

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("/agreements/{agreement_id}/schedule", openapi_extra=bounded(
    "the instalments of one agreement, fixed by its dates (at most 14 a plan year); CONTRACT.md fixes this answer "
    "as a JSON array"))
async def schedule(agreement_id: str, session: SessionDep, caller: Reader) -> list[InstalmentRead]:
    """The instalments `[{due_date, amount_pence, basis, ...}]`, adding up exactly to the annual amount,
    each with how it was calculated (PAY-03), any recovery deducted from it (PAY-07) and whether it has
    been paid."""
    await agreements.find(session, caller, agreement_id)
    return [InstalmentRead.model_validate(i) for i in await agreements.schedule(session, agreement_id)]


@router.get("/agreements/{agreement_id}/payments")
async def payments(agreement_id: str, session: SessionDep, caller: Reader, keys: Keys, limit: Limit = 100,
                   cursor: Cursor = None) -> Page[PaymentRead]:
    """The payments of the agreement, oldest due first, including those the bank returned (bank details
    masked). Pass `next_cursor` back as `cursor` for the next page."""
    await agreements.find(session, caller, agreement_id)
    page, next_cursor = await agreements.payments(session, agreement_id, keys, limit=limit, cursor=cursor)
    return Page[PaymentRead](items=[PaymentRead.model_validate(p) for p in page], next_cursor=next_cursor)


@router.get("/agreements/{agreement_id}/ledger")
async def ledger(agreement_id: str, session: SessionDep, caller: Reader) -> LedgerRead:
    """The agreement's ledger, oldest first: every payment, bank return (a reversal) and confirmed recovery,
    each moving money from one account to another with its memo, and the totals they add up to."""
    await agreements.find(session, caller, agreement_id)
    return LedgerRead.model_validate(await agreements.ledger(session, agreement_id))


async def _changed(request: Request, session, caller, key, body, keys: Keyring, change) -> JSONResponse:
    """A status change (suspend, resume, stop) under the caller's ``Idempotency-Key``."""
    async def produce():
        agreement = await change()
        return 200, AgreementRead.model_validate(agreements.shown(agreement, keys))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/agreements/{agreement_id}/suspend", response_model=AgreementRead)
async def suspend(agreement_id: str, body: StatusChange, request: Request, session: SessionDep, caller: Changer,
                  keys: Keys, key: IdempotencyKey = None):
    """Suspend payments with a recorded reason (PAY-08); runs skip the agreement until it is resumed. Send an
    `Idempotency-Key`: a retry replays the first response."""
    async def change():
        agreement = await agreements.find(session, caller, agreement_id, lock=True)
        agreements.suspend(agreement, body.reason)
        return agreement

    return await _changed(request, session, caller, key, body, keys, change)


@router.post("/agreements/{agreement_id}/resume", response_model=AgreementRead)
async def resume(agreement_id: str, body: StatusChange, request: Request, session: SessionDep, caller: Changer,
                 keys: Keys, key: IdempotencyKey = None):
    """Resume a suspended agreement; instalments missed meanwhile are paid by the next run as arrears
    (PAY-04). Refused while the child's latest eligibility decision refuses direct payment, or once the budget
    has closed (PAY-08). Send an `Idempotency-Key`: a retry replays the first response."""
    async def change():
        agreement = await agreements.find(session, caller, agreement_id, lock=True)
        await agreements.ensure_payable(session, agreement)
        agreements.resume(agreement, body.reason)
        return agreement

    return await _changed(request, session, caller, key, body, keys, change)


@router.post("/agreements/{agreement_id}/stop", response_model=AgreementRead)
async def stop(agreement_id: str, body: Stop, request: Request, session: SessionDep, caller: Changer, keys: Keys,
               key: IdempotencyKey = None):
    """Stop direct payments (PAY-08) for one of the reasons in `reason_code` (consent withdrawn, recipient
    ineligible, money not used for the agreed provision, provision can no longer be secured this way, harm to
    other services) with a written `reason`. No run pays it again; a final audit falls due at once. Send an
    `Idempotency-Key`: a retry replays the first response."""
    async def change():
        agreement = await agreements.find(session, caller, agreement_id, lock=True)
        agreements.stop(agreement, reason_code=body.reason_code, reason=body.reason)
        return agreement

    return await _changed(request, session, caller, key, body, keys, change)
