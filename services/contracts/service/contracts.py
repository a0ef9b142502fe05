"""Creating and showing block contracts (CON-01, CON-02, CON-04, CON-08)."""
from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.errors import InvalidInput
from kit.events import utcnow
from kit.schemas import within_years
from services.contracts.domain.pricing import block_unit_price, personal_budget_price, release_limit_units
from services.contracts.domain.summary import ContractFacts
from services.contracts.models import Contract
from services.contracts.schemas import CONTRACT_YEARS_MAX, ContractCreate, ContractRead


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


def facts(c: Contract) -> ContractFacts:
    return ContractFacts(
        provider=c.provider, service=c.service, stream=c.stream, annual_value_pence=c.annual_value_pence,
        contracted_units=c.contracted_units, unit=c.unit, start_date=c.start_date, end_date=c.end_date,
        renewal_date=c.renewal_date, max_release_percent=c.max_release_percent,
        min_retained_units=c.min_retained_units, fixed_cost_percent=c.fixed_cost_percent,
        separable=c.separable, inseparable_reason=c.inseparable_reason, released_units=c.released_units,
        funders=c.funders)


def contract_view(c: Contract) -> ContractRead:
    """The contract with its prices worked out (CON-01, CON-08) and what is left to release (CON-04)."""
    price = block_unit_price(annual_value_pence=c.annual_value_pence, contracted_units=c.contracted_units,
                             unit=c.unit)
    pb = personal_budget_price(annual_value_pence=c.annual_value_pence, contracted_units=c.contracted_units,
                               fixed_cost_percent=c.fixed_cost_percent, units=1, unit=c.unit)
    limit = release_limit_units(contracted_units=c.contracted_units,
                                max_release_percent=c.max_release_percent,
                                min_retained_units=c.min_retained_units)
    return ContractRead(
        id=c.id, local_authority=c.local_authority, provider=c.provider, service=c.service, stream=c.stream,
        annual_value_pence=c.annual_value_pence, contracted_units=c.contracted_units, unit=c.unit,
        start_date=c.start_date, end_date=c.end_date, renewal_date=c.renewal_date,
        max_release_percent=c.max_release_percent, fixed_cost_percent=c.fixed_cost_percent,
        min_retained_units=c.min_retained_units, separable=c.separable,
        inseparable_reason=c.inseparable_reason,
        funders=c.funders, block_unit_price_pence=price.pence,
        block_unit_price={"pence": price.pence, "remainder_pence": price.remainder_pence,
                          "arithmetic": price.arithmetic},
        personal_budget_unit_price={"total_pence": pb.total_pence, "marginal_pence": pb.marginal_pence,
                                    "fixed_share_pence": pb.fixed_share_pence, "arithmetic": pb.arithmetic},
        release={"limit_units": limit, "released_units": c.released_units,
                 "available_units": max(0, limit - c.released_units), "released_pence": c.released_pence},
        reviewed_for_renewal=c.reviewed_for_renewal, created_at=c.created_at,
    )
