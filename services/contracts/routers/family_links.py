"""Family links to contract summaries (issue 20; CON-07, CON-10): a caseworker issues a signed link to the
plain-English summary of one block contract for the family of a child it serves, lists a child's links with every
opening, and revokes one (the routes are kit's, ``kit/family_link_routes.py``). The family opens it at
``GET /family/{token}`` (routers/family_pages)."""
from __future__ import annotations

from typing import Annotated

from fastapi import Query

from kit.auth import caller_with
from kit.family_link_routes import LinkRoutes, link_router
from services.contracts.schemas import SummaryLinkCreate, SummaryLinkRead
from services.contracts.service import family_links


def one_child(child_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None) -> str | None:
    """The list narrowed to one child's links."""
    return child_id


ROUTES = LinkRoutes(
    spec=family_links.SPEC, record="contract_id", path="/{contract_id}/family-links", scope=family_links.scope,
    target=family_links.target, create=SummaryLinkCreate, read=SummaryLinkRead, listing="SummaryLinks",
    casework=caller_with("casework", "commissioning"), reader=caller_with("casework", "commissioning", "read"),
    family=one_child,
    summaries=("Issue a family link to a contract's summary", "Family links to a contract's summary",
               "Revoke a family link to a contract's summary"),
    docs=("""A signed link for the family of `child_id`, a child the contract serves (CON-10; another child is a 422
naming `child_id`), to open the contract's plain-English summary without an account (CON-07: what it provides,
what was moved into the child's budget, how much can still go into a personal budget and why, how to ask; a PDF
at `?format=pdf`). It lasts `expires_in_days` (default 28, at most 90) or until `expires_on`; it can be
revoked; every opening is recorded. The same `Idempotency-Key` and body gives the same link.""",
          """The links to the contract's summary (`child_id`: that child's only), newest first, each with its `status`
(`open`, `expired`,
`revoked`) and every opening (when, page or PDF, opened or refused), without IP address or user agent.""",
          """Withdraw a link: from now on it opens nothing, and the family sees a page saying the link was withdrawn. A
link already revoked is a 409."""))

router = link_router(ROUTES, tags=["contracts"])
