"""Creating and showing block contracts (CON-01, CON-02, CON-04, CON-08), and their summary for families
(CON-07)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.errors import InvalidInput
from kit.events import utcnow
from kit.schemas import within_years
from services.contracts import repository
from services.contracts.domain.summary import ContractFacts, summarise
from services.contracts.models import Contract
from services.contracts.schemas import CONTRACT_YEARS_MAX, ContractCreate
from services.contracts.service import Paged, as_value


def _check(body: ContractCreate) -> None:
    """Cross-field checks a schema cannot express; each names its field."""
    if body.end_date <= body.start_date:
        raise InvalidInput.field("end_date", "must be after start_date")
    if not within_years(body.end_date, body.start_date, CONTRACT_YEARS_MAX):
        raise InvalidInput.field("end_date", f"at most {CONTRACT_YEARS_MAX} years after start_date: a contract that "
                                 "ends later never comes due for review", rule="CON-03")
    if not body.start_date <= body.renewal_date <= body.end_date:
        raise InvalidInput.field("renewal_date", "must fall between start_date and end_date")
    if body.min_retained_units is not None and body.min_retained_units > body.contracted_units:
        raise InvalidInput.field("min_retained_units", "cannot be more than contracted_units", rule="CON-04")
    if not body.separable and not body.inseparable_reason:
        raise InvalidInput.field("inseparable_reason", "say why a child's share cannot be separated",
                                 rule="CON-02")
    if sum(body.funders.values()) != 100:
        raise InvalidInput.field("funders", "the shares must add up to 100", rule="CON-06")


async def create_contract(session: AsyncSession, *, body: ContractCreate, caller: Caller) -> Contract:
    """Record a block contract of one of the caller's LAs, nothing released yet."""
    caller.ensure_la(body.local_authority)
    _check(body)
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
