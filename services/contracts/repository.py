"""Every query of the contracts service. Reads on behalf of a caller are scoped to the caller's LAs."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.pagination import keyset, newest_first
from kit.tenancy import found, scoped
from services.contracts.models import (
    Contract,
    ContractReview,
    EvidenceRequest,
    FamilyLink,
    KnownBudget,
    ProvisionLink,
    ServedChild,
    TransferRequest,
)


async def contract(session: AsyncSession, contract_id: str, caller: Caller, *,
                   lock: bool = False) -> Contract:
    """The caller's contract, or 404. ``lock`` holds its row until the transaction ends (PostgreSQL ``FOR
    UPDATE``; SQLite already serialises writers), so releases against one contract are decided one at a time
    (CON-04)."""
    stmt = scoped(select(Contract).where(Contract.id == contract_id), Contract.local_authority, caller)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return found((await session.execute(stmt)).scalar_one_or_none(), "contract", contract_id)


async def contracts_page(session: AsyncSession, caller: Caller, *, limit: int, cursor: str | None,
                         local_authority: str | None, service: str | None) -> list[Contract]:
    stmt = scoped(select(Contract), Contract.local_authority, caller)
    if local_authority:
        stmt = stmt.where(Contract.local_authority == local_authority)
    if service:
        stmt = stmt.where(Contract.service == service)
    stmt = newest_first(stmt, Contract.created_at, Contract.id, limit=limit, cursor=cursor)
    return list((await session.execute(stmt)).scalars())


DUE_ORDER = ("renewal_date", "id")


async def due_for_review(session: AsyncSession, caller: Caller, *, today: date, renewing_by: date, limit: int,
                         cursor: str | None) -> list[Contract]:
    """CON-03: running contracts renewing on or before ``renewing_by`` (overdue ones too) with no review
    recorded for that renewal, soonest first, ``limit + 1`` rows (the extra one says there is a next page)."""
    stmt = scoped(select(Contract), Contract.local_authority, caller).where(
        Contract.renewal_date <= renewing_by, Contract.end_date >= today,
        or_(Contract.reviewed_for_renewal.is_(None), Contract.reviewed_for_renewal != Contract.renewal_date))
    stmt = keyset(stmt, [getattr(Contract, c) for c in DUE_ORDER], limit=limit, cursor=cursor)
    return list((await session.execute(stmt)).scalars())


async def transfer(session: AsyncSession, transfer_id: str, caller: Caller) -> TransferRequest:
    stmt = scoped(select(TransferRequest).where(TransferRequest.id == transfer_id),
                  TransferRequest.local_authority, caller)
    return found((await session.execute(stmt)).scalar_one_or_none(), "transfer request", transfer_id)


async def transfers_page(session: AsyncSession, caller: Caller, *, limit: int, cursor: str | None,
                         contract_id: str | None = None, child_id: str | None = None,
                         budget_id: str | None = None) -> list[TransferRequest]:
    stmt = scoped(select(TransferRequest), TransferRequest.local_authority, caller)
    for column, value in ((TransferRequest.contract_id, contract_id), (TransferRequest.child_id, child_id),
                          (TransferRequest.budget_id, budget_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    stmt = newest_first(stmt, TransferRequest.created_at, TransferRequest.id, limit=limit, cursor=cursor)
    return list((await session.execute(stmt)).scalars())


REVIEWS_ORDER = ("reviewed_on", "created_at", "id")


async def reviews_of(session: AsyncSession, contract_id: str, *, limit: int,
                     cursor: str | None) -> list[ContractReview]:
    """Latest first, ``limit + 1`` rows (the extra one says there is a next page)."""
    stmt = select(ContractReview).where(ContractReview.contract_id == contract_id)
    stmt = keyset(stmt, [getattr(ContractReview, c) for c in REVIEWS_ORDER], limit=limit, cursor=cursor,
                  descending=True)
    return list((await session.execute(stmt)).scalars())


async def known_budget(session: AsyncSession, budget_id: str, *, lock: bool = False) -> KnownBudget | None:
    stmt = select(KnownBudget).where(KnownBudget.budget_id == budget_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def transfer_by_id(session: AsyncSession, transfer_id: str) -> TransferRequest | None:
    stmt = select(TransferRequest).where(TransferRequest.id == transfer_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def contract_by_id(session: AsyncSession, contract_id: str) -> Contract:
    stmt = select(Contract).where(Contract.id == contract_id).with_for_update()
    return (await session.execute(stmt)).scalar_one()


async def releases_by_budget(session: AsyncSession, *, la: str, until: datetime | None) -> list[dict[str, Any]]:
    """Rows ``{budget_id, stream, released_pence, released_count, returned_pence, returned_count}`` of the LA's
    approved transfers in one GROUP BY: every approval released its ``release_pence`` (CON-04), and one no longer
    active (withdrawn, or refused by the budget) gave it back. ``until`` keeps releases made before it and
    returns recorded before it (withdrawn, or refused by the budget; one with neither time counts from its release).
    Sums come back as integers on every backend (PostgreSQL's sum of a bigint is a numeric)."""
    t = TransferRequest
    released, returned = t.decision == "approved", t.status != "active"
    window = [] if until is None else [t.created_at < until]  # a release is recorded before its return
    if until is not None:
        returned = and_(returned, func.coalesce(t.withdrawn_at, t.refused_at, t.created_at) < until)

    stmt = (select(t.budget_id, t.stream, cast(func.sum(t.release_pence), BigInteger).label("released_pence"),
                   func.count().label("released_count"),
                   cast(func.coalesce(func.sum(case((returned, t.release_pence), else_=0)), 0),
                        BigInteger).label("returned_pence"),
                   func.count(case((returned, 1))).label("returned_count"))
            .where(t.local_authority == la, released, *window)
            .group_by(t.budget_id, t.stream).order_by(t.budget_id, t.stream))
    return [dict(row) for row in (await session.execute(stmt)).mappings()]


async def evidence_request(session: AsyncSession, request_id: str, caller: Caller, *, transfer_id: str,
                           lock: bool = False) -> EvidenceRequest:
    """The caller's evidence request on that transfer, or 404; ``lock`` holds its row so evidence is recorded
    once."""
    stmt = scoped(select(EvidenceRequest).where(EvidenceRequest.id == request_id,
                                                EvidenceRequest.transfer_id == transfer_id),
                  EvidenceRequest.local_authority, caller)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return found((await session.execute(stmt)).scalar_one_or_none(), "evidence request", request_id)


async def evidence_requests_page(session: AsyncSession, caller: Caller, *, limit: int, cursor: str | None,
                                 transfer_id: str | None = None, local_authority: str | None = None,
                                 overdue_on: date | None = None) -> list[EvidenceRequest]:
    """Evidence requests of the caller's LAs, newest first; ``overdue_on`` keeps those still open whose due date
    is before that day (CON-09: due a review)."""
    e = EvidenceRequest
    stmt = scoped(select(e), e.local_authority, caller)
    if transfer_id is not None:
        stmt = stmt.where(e.transfer_id == transfer_id)
    if local_authority is not None:
        stmt = stmt.where(e.local_authority == local_authority)
    if overdue_on is not None:
        stmt = stmt.where(e.status == "open", e.due_on < overdue_on)
    stmt = newest_first(stmt, e.created_at, e.id, limit=limit, cursor=cursor)
    return list((await session.execute(stmt)).scalars())


# ------------------------------------------------------------------ the children a contract serves (CON-10)
_ONCE = {name: {table: dialect.insert(table).on_conflict_do_nothing()
                for table in (ProvisionLink.__table__, ServedChild.__table__)}
         for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


async def contract_la(session: AsyncSession, contract_id: str) -> str | None:
    """The LA of the contract with that id, or None when contracts holds none (not scoped: the budget's event
    names it, and the answer never leaves the service)."""
    stmt = select(Contract.local_authority).where(Contract.id == contract_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_once(session: AsyncSession, table: Any, values: dict[str, Any]) -> None:
    """Insert the row unless one with its key is there (a redelivered line, or a second line of one budget)."""
    connection = await session.connection()
    await connection.execute(_ONCE[connection.dialect.name][table], values)


def _still_serving(stmt):
    """A child is served through a budget that has not closed (one contracts has not heard of counts as open)."""
    return stmt.outerjoin(KnownBudget, KnownBudget.budget_id == ServedChild.budget_id).where(
        or_(KnownBudget.status.is_(None), KnownBudget.status != "closed"))


async def served_children_page(session: AsyncSession, contract_id: str, *, limit: int,
                               cursor: str | None) -> list[tuple[ServedChild, str | None]]:
    """The children a contract serves, one row per budget, newest first, with the budget's status."""
    stmt = _still_serving(select(ServedChild, KnownBudget.status).where(ServedChild.contract_id == contract_id))
    stmt = newest_first(stmt, ServedChild.created_at, ServedChild.budget_id, limit=limit, cursor=cursor)
    return [(row, status) for row, status in (await session.execute(stmt)).all()]


async def links_of(session: AsyncSession, contract_id: str, budget_ids: list[str]) -> list[ProvisionLink]:
    if not budget_ids:
        return []
    stmt = select(ProvisionLink).where(ProvisionLink.contract_id == contract_id,
                                       ProvisionLink.budget_id.in_(budget_ids), ProvisionLink.status == "matched"
                                       ).order_by(ProvisionLink.added_at, ProvisionLink.provision_id)
    return list((await session.execute(stmt)).scalars())


async def child_known(session: AsyncSession, child_id: str, caller: Caller) -> bool:
    """Whether contracts knows the child in one of the caller's LAs: a budget of theirs, or a line naming a
    contract."""
    budget = scoped(select(KnownBudget.budget_id).where(KnownBudget.child_id == child_id),
                    KnownBudget.local_authority, caller).limit(1)
    served = scoped(select(ServedChild.budget_id).where(ServedChild.child_id == child_id),
                    ServedChild.local_authority, caller).limit(1)
    for stmt in (budget, served):
        if (await session.execute(stmt)).first() is not None:
            return True
    return False


async def contracts_serving(session: AsyncSession, child_id: str, caller: Caller, *, limit: int) -> list[Contract]:
    """The contracts of the caller's LAs that serve the child through a budget not closed, by service."""
    ids = _still_serving(scoped(select(ServedChild.contract_id).where(ServedChild.child_id == child_id),
                                ServedChild.local_authority, caller))
    stmt = scoped(select(Contract).where(Contract.id.in_(ids)), Contract.local_authority, caller).order_by(
        Contract.service, Contract.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def unmatched_page(session: AsyncSession, caller: Caller, *, limit: int,
                         cursor: str | None) -> list[ProvisionLink]:
    """Lines of the caller's LAs naming no contract of their LA (CON-10), newest first."""
    stmt = scoped(select(ProvisionLink).where(ProvisionLink.status == "unmatched"), ProvisionLink.local_authority,
                  caller)
    stmt = newest_first(stmt, ProvisionLink.created_at, ProvisionLink.provision_id, limit=limit, cursor=cursor)
    return list((await session.execute(stmt)).scalars())


# ------------------------------------------------------------------ family links to summaries (issue 20)
async def serves(session: AsyncSession, contract_id: str, child_id: str) -> bool:
    """CON-10: whether the contract serves the child through a budget not closed."""
    stmt = _still_serving(select(ServedChild.budget_id).where(ServedChild.contract_id == contract_id,
                                                              ServedChild.child_id == child_id)).limit(1)
    return (await session.execute(stmt)).first() is not None


async def transfers_of_child(session: AsyncSession, contract_id: str, child_id: str) -> list[TransferRequest]:
    """The child's requests to move part of the contract into their budget, oldest first."""
    stmt = select(TransferRequest).where(TransferRequest.contract_id == contract_id,
                                         TransferRequest.child_id == child_id).order_by(TransferRequest.created_at,
                                                                                        TransferRequest.id)
    return list((await session.execute(stmt)).scalars())


async def contract_of_link(session: AsyncSession, contract_id: str) -> Contract:
    """The contract a verified family link names (no caller: the link's signature is the credential), unlocked."""
    return (await session.execute(select(Contract).where(Contract.id == contract_id))).scalar_one()


async def family_link(session: AsyncSession, link_id: str) -> FamilyLink | None:
    return await session.get(FamilyLink, link_id)
