"""Family links to recovery notices (issue 20; PAY-07, PAY-10): a caseworker issues a signed link to one recovery
notice for the family of its agreement, lists the links with every opening, and revokes one (the routes are kit's,
``kit/family_link_routes.py``). The family opens it at ``GET /family/{token}`` (routers/family_pages)."""
from __future__ import annotations

from kit.auth import caller_with
from kit.family_link_routes import LinkRoutes, link_router
from services.payments.schemas import RecoveryLinkCreate, RecoveryLinkRead
from services.payments.service import family_links

ROUTES = LinkRoutes(
    spec=family_links.SPEC, record="recovery_id", path="/recoveries/{recovery_id}/family-links",
    scope=family_links.scope, target=family_links.target, create=RecoveryLinkCreate, read=RecoveryLinkRead,
    listing="RecoveryLinks", casework=caller_with("casework"), reader=caller_with("casework", "finance", "read"),
    summaries=("Issue a family link to a notice", "Family links to a recovery notice",
               "Revoke a family link to a notice"),
    docs=("""A signed link for the family of the recovery's agreement to open the recovery notice without an account (a
page in plain English, and a PDF at `?format=pdf`) and challenge it there (PAY-07). It lasts `expires_in_days`
(default 28, at most 90) or until `expires_on`; it can be revoked; every opening is recorded (`GET
.../family-links`). Give `url` to the family. The same `Idempotency-Key` and body gives the same link.""",
          """The links to the recovery notice, newest first, each with its `status` (`open`, `expired`, `revoked`), when
the family challenged from it (`acted_at`) and every opening (when, page or PDF, opened or refused). Openings
record no IP address or user agent.""",
          """Withdraw a link (sent to the wrong address, or the family asked): from now on it opens nothing, and the
family sees a page saying the link was withdrawn. A link already revoked is a 409."""))

router = link_router(ROUTES, tags=["payments: audits and recovery"])
