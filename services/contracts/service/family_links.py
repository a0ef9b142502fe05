"""Contract summaries by family link (issue 20; CON-07, CON-10): a caseworker issues a signed link to the
plain-English summary of one block contract for the family of a child it serves; the family opens it without an
account. The mechanism (token, expiry, revocation, openings) is kit's (``kit/family_links.py``), signed under
``SENDPB_CONTRACTS_FAMILY_LINK_SECRET``; the page is ``service/family_pages.py``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kit import family_links as links
from kit.auth import Caller
from kit.errors import InvalidInput, NotFound
from services.contracts import repository
from services.contracts.domain.summary import ContractFacts, summarise
from services.contracts.models import Contract, FamilyLink, FamilyLinkOpening, TransferRequest
from services.contracts.service import as_value

PATH = "/v1/contracts/family/"
DOCUMENT = "contract_summary"
SPEC = links.LinkSpec(issuer="sendpb-contracts", path=PATH, link=FamilyLink, opening=FamilyLinkOpening,
                      family_field="child_id", family_claim="cyp", documents=(DOCUMENT,))
IssuedLink = links.IssuedLink


async def issue(session: AsyncSession, caller: Caller, contract_id: str, *, child_id: str,
                expires_in_days: int | None, expires_on: date | None, key: bytes, base_url: str) -> IssuedLink:
    """A new link to the contract's family summary for a child it serves (CON-10: a child it does not serve is a
    422 naming ``child_id``; another LA's contract a 404)."""
    contract = await repository.contract(session, contract_id, caller)
    if not await repository.serves(session, contract.id, child_id):
        raise InvalidInput.field("child_id", f"contract {contract.id} serves no child {child_id} (its provision "
                                             "lines name the contracts that serve a child)", rule="CON-10")
    return await links.issue(session, SPEC, family_id=child_id, local_authority=contract.local_authority,
                             document=DOCUMENT, document_id=contract.id, expires_in_days=expires_in_days,
                             expires_on=expires_on, by=caller.client_id, key=key, base_url=base_url)


async def listing(session: AsyncSession, caller: Caller, contract_id: str, child_id: str | None, *, key: bytes,
                  base_url: str) -> list[IssuedLink]:
    """The links to the contract's summary (the child's only, when ``child_id`` is given), newest first, with
    their state and openings."""
    contract = await repository.contract(session, contract_id, caller)
    return await links.listing(session, SPEC, child_id, key=key, base_url=base_url, document_id=contract.id)


async def revoke(session: AsyncSession, caller: Caller, contract_id: str, link_id: str, *, key: bytes,
                 base_url: str) -> IssuedLink:
    """Withdraw a link to the summary; a link to another contract is a 404, revoking twice a 409."""
    contract = await repository.contract(session, contract_id, caller)
    link = await repository.family_link(session, link_id)
    if link is None or link.document_id != contract.id:
        raise NotFound(f"family link {link_id} was not found")
    return await links.revoke(session, SPEC, link.child_id, link_id, by=caller.client_id, key=key,
                              base_url=base_url)


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
