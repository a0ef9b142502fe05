"""CON-10: the children each block contract serves, learnt from the budget's provision lines
(``budget.provision_added.v1``), and the family summary (CON-07) of every contract serving a child. A line naming no
contract of its own LA is recorded as unmatched (``domain/children.py``), never dead-lettered: the budget cannot see
contracts, so it accepts any id, and a commissioner can list and correct those lines."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.errors import NotFound
from kit.events import utcnow
from kit.pagination import Paged, page_of
from services.contracts import repository
from services.contracts.domain.children import match
from services.contracts.domain.summary import ContractFacts, summarise
from services.contracts.models import ProvisionLink, ServedChild
from services.contracts.service import as_value, budgets
from services.contracts.service.contracts import FamilySummary

SUMMARIES_MAX = 100  # a child is served by a handful of contracts; the answer is bounded all the same


async def link(session: AsyncSession, p: dict, *, occurred_at: datetime) -> None:
    """A provision line was added to a child's budget: note the budget, and the contract the line names, if any
    (CON-10). Once per line: a redelivered event inserts nothing."""
    await budgets.record(session, p, status="agreed" if p["budget_status"] == "agreed" else "open",
                         occurred_at=occurred_at)
    if p["contract_id"] is None:
        return
    matched = match(contract_la=await repository.contract_la(session, p["contract_id"]),
                    line_la=p["local_authority"])
    now = utcnow()
    await repository.add_once(session, ProvisionLink.__table__, {
        "provision_id": p["provision_id"], "contract_id": p["contract_id"], "budget_id": p["budget_id"],
        "child_id": p["child_id"], "local_authority": p["local_authority"], "stream": p["stream"],
        "category": p["category"], "status": matched.status, "reason": matched.reason,
        "added_at": p["added_at"], "created_at": now})
    if matched.serves:
        await repository.add_once(session, ServedChild.__table__, {
            "contract_id": p["contract_id"], "budget_id": p["budget_id"], "child_id": p["child_id"],
            "local_authority": p["local_authority"], "created_at": now})


@dataclass(frozen=True)
class Served:
    """A child a contract serves through one budget's provision lines."""

    contract_id: str
    child_id: str
    budget_id: str
    local_authority: str
    budget_status: str | None
    serving_since: datetime
    provision_ids: list[str] = field(default_factory=list)

    @property
    def links(self) -> dict[str, str]:
        return {"summary": f"/v1/contracts/{self.contract_id}/summary",
                "child_summaries": f"/v1/contracts/children/{self.child_id}/summaries"}


async def children_page(session: AsyncSession, *, contract_id: str, caller: Caller, limit: int,
                        cursor: str | None) -> Paged[Served]:
    """CON-10: the children one of the caller's contracts serves (404 for another LA's), newest first."""
    contract = await repository.contract(session, contract_id, caller)
    rows = await repository.served_children_page(session, contract.id, limit=limit, cursor=cursor)
    page, next_cursor = page_of([r for r, _ in rows], limit=limit, ident="budget_id")
    status = {r.budget_id: s for r, s in rows}
    lines: dict[str, list[str]] = {}
    for link_ in await repository.links_of(session, contract.id, [r.budget_id for r in page]):
        lines.setdefault(link_.budget_id, []).append(link_.provision_id)
    return Paged([Served(contract.id, r.child_id, r.budget_id, r.local_authority, status[r.budget_id],
                         r.created_at, lines.get(r.budget_id, [])) for r in page], next_cursor)


@dataclass(frozen=True)
class ContractForChild:
    contract_id: str
    provider: str
    service: str
    local_authority: str
    summary: FamilySummary


@dataclass(frozen=True)
class ChildSummaries:
    child_id: str
    items: list[ContractForChild]


async def child_summaries(session: AsyncSession, *, child_id: str, caller: Caller) -> ChildSummaries:
    """CON-10, CON-07: the family summary of every contract of the caller's LAs serving the child. A child
    contracts does not know in the caller's LAs is 404 (another LA's child is never revealed)."""
    if not await repository.child_known(session, child_id, caller):
        # The id is not echoed: a child's id is personal, and the answer is the same for another LA's child.
        raise NotFound("no child of your local authorities by that id is known to contracts")
    serving = await repository.contracts_serving(session, child_id, caller, limit=SUMMARIES_MAX)
    return ChildSummaries(child_id, [
        ContractForChild(c.id, c.provider, c.service, c.local_authority,
                         FamilySummary(contract_id=c.id, **summarise(as_value(ContractFacts, c))))
        for c in serving])


async def unmatched_page(session: AsyncSession, *, caller: Caller, limit: int,
                         cursor: str | None) -> Paged[ProvisionLink]:
    """CON-10: provision lines of the caller's LAs that name no contract of their LA, newest first."""
    rows = await repository.unmatched_page(session, caller, limit=limit, cursor=cursor)
    return Paged(*page_of(rows, limit=limit, ident="provision_id"))
