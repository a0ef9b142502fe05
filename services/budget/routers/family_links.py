"""Family links (issue 20): a caseworker issues a signed link to one document of a budget for its family, lists the
links with every opening, and revokes one (the routes are kit's, ``kit/family_link_routes.py``). The family opens it
at ``GET /family/{token}`` (routers/family_pages)."""
from __future__ import annotations

from kit.family_link_routes import LinkRoutes, link_router
from services.budget.routers.access import AFTER_AGREEMENT, AUDIT, Casework, Reader, stored
from services.budget.schemas import FamilyLinkCreate, FamilyLinkRead
from services.budget.service import family_links

ROUTES = LinkRoutes(
    spec=family_links.SPEC, record="budget_id", path="/{budget_id}/family-links", scope=family_links.scope,
    target=family_links.target, create=FamilyLinkCreate, read=FamilyLinkRead, listing="FamilyLinks",
    casework=Casework, reader=Reader, encode=stored,
    summaries=("Issue a family link", "Family links of a budget", "Revoke a family link"),
    docs=("""A signed link for the child's family to open one document of the budget without an account: the
`statement`, or a decision notice (`variation` or `panel_decision`, named by `document_id`) from which the
family can take the next step open to them (BUD-13). Each is a page in plain English, and a PDF at
`?format=pdf`. It lasts `expires_in_days` (default 28,
at most 90) or until `expires_on`; it can be revoked; every opening is recorded (`GET .../family-links`).
Give `url` to the family: anyone holding it can open the document until it expires or is revoked. The same
`Idempotency-Key` and body gives the same link.""",
          """The budget's family links, newest first, each with its `status` (`open`, `expired`, `revoked`) and every
opening (when, page or PDF, opened or refused). Openings record no IP address or user agent.""",
          """Withdraw a link (sent to the wrong address, or the family asked): from now on it opens nothing, and the
family sees a page saying the link was withdrawn. A link already revoked is a 409."""))

router = link_router(ROUTES, tags=[AFTER_AGREEMENT], dependencies=[AUDIT])
