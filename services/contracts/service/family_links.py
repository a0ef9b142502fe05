"""Contract summaries by family link (issue 20; CON-07, CON-10): a caseworker issues a signed link to the
plain-English summary of one block contract for the family of a child it serves; the family opens it without an
account. The mechanism (token, expiry, revocation, openings) is kit's (``kit/family_links.py``), signed under
``SENDPB_CONTRACTS_FAMILY_LINK_SECRET``; the page is ``service/family_pages.py``."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kit import family_links as links
from kit.auth import Caller
from kit.errors import InvalidInput
from kit.family_links import LinkScope, LinkTarget
from services.contracts import repository
from services.contracts.domain.summary import ContractFacts, summarise
from services.contracts.models import Contract, FamilyLink, FamilyLinkOpening, TransferRequest
from services.contracts.schemas import SummaryLinkCreate
from services.contracts.service import as_value

PATH = "/v1/contracts/family/"
DOCUMENT = "contract_summary"
SPEC = links.LinkSpec(issuer="sendpb-contracts", path=PATH, link=FamilyLink, opening=FamilyLinkOpening,
                      family_field="child_id", family_claim="cyp", documents=(DOCUMENT,))


async def scope(session: AsyncSession, caller: Caller, contract_id: str, *, lock: bool = False) -> LinkScope:
    """The contract (404 for another LA's) and its links: to its summary, for every child it serves."""
    contract = await repository.contract(session, contract_id, caller)
    return LinkScope(contract.local_authority, None, contract.id, contract)


async def target(session: AsyncSession, scope: LinkScope, body: SummaryLinkCreate) -> LinkTarget:
    """A new link opens the contract's summary for the family of a child it serves (CON-10: a child it does not
    serve is a 422 naming ``child_id``)."""
    if not await repository.serves(session, scope.document_id, body.child_id):
        raise InvalidInput.field("child_id", f"contract {scope.document_id} serves no child {body.child_id} (its "
                                             "provision lines name the contracts that serve a child)", rule="CON-10")
    return LinkTarget(body.child_id, DOCUMENT, scope.document_id)


@dataclass(frozen=True)
class Summary:
    """What a family's link opened: the link, and when it is open the contract, its summary (CON-07) and the
    child's requests to move part of it into their budget."""

    status: str
    link: FamilyLink | None = None
    contract: Contract | None = None
    summary: dict | None = None
    transfers: tuple[TransferRequest, ...] = ()

    @property
    def moved_pence(self) -> int:
        """What was moved from the contract into the child's budget and stays there."""
        return sum(t.release_pence for t in self.transfers if t.decision == "approved" and t.status == "active")


async def open_summary(session: AsyncSession, token: str, *, key: bytes, fmt: str) -> Summary:
    """Check the token and its link, record the opening, and load the summary it is about."""
    opened = await links.open_link(session, SPEC, token, key=key, fmt=fmt)
    if opened.status != links.OPEN:
        return Summary(opened.status, opened.link)
    contract = await repository.contract_of_link(session, opened.link.document_id)
    transfers = tuple(await repository.transfers_of_child(session, contract.id, opened.link.child_id))
    return Summary(opened.status, opened.link, contract, summarise(as_value(ContractFacts, contract)), transfers)
