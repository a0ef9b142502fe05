"""Creating and showing block contracts (CON-01, CON-02, CON-04, CON-08), and their summary for families
(CON-07)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.events import utcnow
from kit.pagination import Paged
from services.contracts import repository
from services.contracts.domain import terms
from services.contracts.domain.summary import ContractFacts, summarise
from services.contracts.models import Contract
from services.contracts.schemas import ContractCreate
from services.contracts.service import as_value, invalid


async def create_contract(session: AsyncSession, *, body: ContractCreate, caller: Caller) -> Contract:
    """Record a block contract of one of the caller's LAs, nothing released yet."""
    caller.ensure_la(body.local_authority)
    try:
        terms.check_new(as_value(terms.NewTerms, body))
    except terms.TermsInvalid as exc:
        raise invalid(exc) from None
    contract = Contract(id=str(uuid.uuid4()), **body.model_dump(), released_units=0, released_pence=0,
                        reviewed_for_renewal=None, created_by=caller.client_id, created_at=utcnow())
    session.add(contract)
    await session.flush()
    return contract


async def contract(session: AsyncSession, *, contract_id: str, caller: Caller) -> Contract:
    """One of the caller's contracts (404 otherwise), with its prices (CON-01, CON-08) and release state (CON-04)."""
    return await repository.contract(session, contract_id, caller)


async def contracts_page(session: AsyncSession, *, caller: Caller, limit: int, cursor: str | None,
                         local_authority: str | None, service: str | None) -> Paged[Contract]:
    """The contracts of the caller's LAs, newest first, optionally of one LA or one service."""
    rows = await repository.contracts_page(session, caller, limit=limit, cursor=cursor,
                                           local_authority=local_authority, service=service)
    return Paged.of(rows, limit=limit)


@dataclass(frozen=True)
class FamilySummary:
    """CON-07: the plain-English summary of one contract: the whole ``text``, its ``parts`` and ``figures``."""

    contract_id: str
    text: str
    parts: dict[str, str]
    figures: dict[str, int]


async def family_summary(session: AsyncSession, *, contract_id: str, caller: Caller) -> FamilySummary:
    """CON-07: what the contract provides and how much of it a family can ask for, in plain English."""
    found = await repository.contract(session, contract_id, caller)
    return FamilySummary(contract_id=found.id, **summarise(as_value(ContractFacts, found)))
