"""Transfer requests: deciding a release from a contract into a child's personal budget, and withdrawing it.
The contract row is locked for the whole decision, so concurrent requests are decided one after another and
can never release more than the contract's maximum between them (CON-04)."""
from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.errors import Conflict, InvalidInput
from kit.events import utcnow
from kit.outbox import add_event
from kit.pagination import Paged
from services.contracts import repository
from services.contracts.domain.decision import APPROVED, Ask, Terms, decide
from services.contracts.domain.evidence import EvidenceInvalid
from services.contracts.events import funds_released, funds_returned
from services.contracts.models import TransferRequest
from services.contracts.schemas import TransferCreate
from services.contracts.service import as_value, budgets


async def request_transfer(session: AsyncSession, *, contract_id: str, body: TransferCreate,
                           caller: Caller) -> TransferRequest:
    """Decide and record a transfer request; an approval releases the units and writes the release event."""
    contract = await repository.contract(session, contract_id, caller, lock=True)
    await budgets.check_release(session, la=contract.local_authority, budget_id=str(body.budget_id),
                                child_id=body.child_id)
    now = utcnow()
    if now.date() > contract.end_date:
        raise Conflict(f"contract {contract.id} ended on {contract.end_date.isoformat()}")
    ask = Ask(units=body.units, route=body.route, proposed_unit_price_pence=body.proposed_unit_price_pence,
              evidence=body.evidence, exceptional_reason=body.exceptional_reason)
    try:
        decision = decide(as_value(Terms, contract), ask, today=now.date())
    except EvidenceInvalid as exc:
        raise InvalidInput(str(exc), rule="CON-06",
                           errors=[{"field": f, "message": m} for f, m in exc.errors]) from None
    approved = decision.decision == APPROVED
    transfer = TransferRequest(
        id=str(uuid.uuid4()), contract_id=contract.id, local_authority=contract.local_authority,
        budget_id=str(body.budget_id), child_id=body.child_id, stream=contract.stream, units=body.units,
        route=body.route, proposed_unit_price_pence=body.proposed_unit_price_pence, evidence=body.evidence,
        exceptional_reason=body.exceptional_reason, decision=decision.decision,
        release_pence=decision.release_pence, block_cost_pence=decision.block_cost_pence,
        proposed_cost_pence=decision.proposed_cost_pence, reasons=[r.as_dict() for r in decision.reasons],
        missing_evidence=decision.missing_evidence, public_purse=decision.public_purse,
        status="active" if approved else "closed", requested_by=caller.client_id, created_at=now,
    )
    session.add(transfer)
    if approved:
        contract.released_units += transfer.units
        contract.released_pence += transfer.release_pence
        await add_event(session, funds_released(transfer))
    await session.flush()
    return transfer


async def withdraw_transfer(session: AsyncSession, *, transfer_id: str, reason: str,
                            caller: Caller) -> TransferRequest:
    """Withdraw (or end) an approved transfer: its units and money go back to the contract, once."""
    transfer = await repository.transfer(session, transfer_id, caller)
    contract = await repository.contract(session, transfer.contract_id, caller, lock=True)
    # Read it again under the contract's lock: a concurrent withdrawal may have won.
    await session.refresh(transfer)
    if transfer.status != "active":
        raise Conflict(f"transfer {transfer.id} is {transfer.status}; only an approved, active transfer "
                       "can be withdrawn")
    now = utcnow()
    transfer.status, transfer.withdrawn_at, transfer.withdrawal_reason = "withdrawn", now, reason
    contract.released_units -= transfer.units
    contract.released_pence -= transfer.release_pence
    await add_event(session, funds_returned(transfer, returned_at=now, reason=reason))
    await session.flush()
    return transfer


async def refused_by_budget(session: AsyncSession, *, transfer_id: str, rule: str, reason: str) -> None:
    """The budget refused the release: the transfer's units and money go back to the contract, once, with
    ``contracts.funds_returned.v1`` naming the reason (the budget books nothing for a release it refused)."""
    transfer = await repository.transfer_by_id(session, transfer_id)
    if transfer is None:
        return
    contract = await repository.contract_by_id(session, transfer.contract_id)
    await session.refresh(transfer)
    if transfer.status != "active":
        return  # withdrawn meanwhile (its units are back already), or refused before
    now = utcnow()
    transfer.status, transfer.refused_at, transfer.refusal = "refused_by_budget", now, {"rule": rule,
                                                                                       "reason": reason}
    contract.released_units -= transfer.units
    contract.released_pence -= transfer.release_pence
    await add_event(session, funds_returned(transfer, returned_at=now, reason=f"refused by the budget ({rule}): "
                                                                          f"{reason}"))
    await session.flush()



async def transfer(session: AsyncSession, *, transfer_id: str, caller: Caller) -> TransferRequest:
    """One of the caller's transfer requests (404 otherwise), with its decision and whether it is still active."""
    return await repository.transfer(session, transfer_id, caller)


async def transfers_page(session: AsyncSession, *, caller: Caller, limit: int, cursor: str | None,
                         child_id: str | None = None, budget_id: str | None = None) -> Paged[TransferRequest]:
    """Transfer requests across the caller's LAs for a child and/or a budget, newest first."""
    rows = await repository.transfers_page(session, caller, limit=limit, cursor=cursor, child_id=child_id,
                                           budget_id=budget_id)
    return Paged.of(rows, limit=limit)


async def transfers_of_contract(session: AsyncSession, *, contract_id: str, caller: Caller, limit: int,
                                cursor: str | None) -> Paged[TransferRequest]:
    """The transfer requests of one of the caller's contracts (404 otherwise), newest first."""
    contract = await repository.contract(session, contract_id, caller)
    rows = await repository.transfers_page(session, caller, contract_id=contract.id, limit=limit, cursor=cursor)
    return Paged.of(rows, limit=limit)
