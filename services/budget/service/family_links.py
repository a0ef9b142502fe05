"""Family links (issue 20): a caseworker issues a signed link to one document of one budget; the family opens it
without an account; it expires, can be revoked, and every use is recorded.

The token is a JWT signed with HMAC-SHA256 under the deployment's own secret (``SENDPB_BUDGET_FAMILY_LINK_SECRET``),
carrying the link id, the budget, the document and the expiry. It is checked twice: the signature (so nobody can
make or alter one), then the stored link (so it can be revoked, and a token naming another budget or document than
its link was issued for opens nothing, even if the secret leaked). The token is never stored: it is made again from
the row when a caseworker lists the links, so a copy of the database opens nothing."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from kit.errors import Conflict, InvalidInput, NotFound
from services.budget import repository as repo
from services.budget.domain.family import (
    DEFAULT_LINK_DAYS,
    DOCUMENTS,
    OPEN,
    link_days_refusal,
    link_expiry,
    link_state,
)
from services.budget.models import Budget, FamilyLink, FamilyLinkOpening, Review
from services.budget.service import common, reviews

ALGORITHM = "HS256"
ISSUER, AUDIENCE = "sendpb-budget", "sendpb-family"
PATH = "/v1/budgets/family/"


def sign(link: FamilyLink, key: bytes) -> str:
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": link.id, "bud": link.budget_id, "doc": link.document,
              "iat": int(link.issued_at.timestamp()), "exp": int(link.expires_at.timestamp())}
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def url_of(link: FamilyLink, *, key: bytes, base_url: str) -> str:
    return f"{base_url.rstrip('/')}{PATH}{sign(link, key)}"


@dataclass(frozen=True)
class IssuedLink:
    """A link as the caseworker sees it: the row, its URL, its state now and its openings (newest first)."""

    link: FamilyLink
    url: str
    status: str
    openings: list[FamilyLinkOpening]

    def __getattr__(self, name: str):  # the link's own fields (id, budget_id, document, expires_at, ...)
        return getattr(self.link, name)


def _issued(link: FamilyLink, openings: list[FamilyLinkOpening], *, key: bytes, base_url: str) -> IssuedLink:
    status = link_state(expires_at=link.expires_at, revoked_at=link.revoked_at, now=common.now())
    return IssuedLink(link, url_of(link, key=key, base_url=base_url), status, openings)


async def issue(session: AsyncSession, budget: Budget, *, document: str, expires_in_days: int | None,
                expires_on: date | None, by: str, key: bytes, base_url: str) -> IssuedLink:
    """A new link to ``document`` of the budget, lasting ``expires_in_days`` days from now, or until the end of
    ``expires_on`` (UTC), or ``DEFAULT_LINK_DAYS``; never more than ``MAX_LINK_DAYS``."""
    if document not in DOCUMENTS:
        raise InvalidInput.field("document", f"one of {', '.join(DOCUMENTS)}")
    if expires_in_days is not None and expires_on is not None:
        raise InvalidInput.field("expires_on", "give expires_in_days or expires_on, not both")
    now = common.now().replace(microsecond=0)
    field, days = "expires_in_days", DEFAULT_LINK_DAYS if expires_in_days is None else expires_in_days
    if expires_on is not None:
        field, days = "expires_on", (expires_on - today()).days + 1
    if refusal := link_days_refusal(days):
        raise InvalidInput.field(field, refusal)
    expires_at = (link_expiry(now, days) if expires_on is None
                  else datetime.combine(expires_on, time(), tzinfo=UTC) + timedelta(days=1))
    link = FamilyLink(id=str(uuid.uuid4()), budget_id=budget.id, local_authority=budget.local_authority,
                      document=document, issued_by=by, issued_at=now, expires_at=expires_at)
    await repo.add_family_link(session, link)
    return _issued(link, [], key=key, base_url=base_url)


async def revoke(session: AsyncSession, budget: Budget, link_id: str, *, by: str, key: bytes,
                 base_url: str) -> IssuedLink:
    """Withdraw a link: it opens nothing from now on. Revoking twice is a 409."""
    link = await repo.family_link(session, budget.id, link_id)
    if link is None:
        raise NotFound(f"family link {link_id} was not found")
    if link.revoked_at is not None:
        raise Conflict(f"family link {link_id} was already revoked on {link.revoked_at.date()}")
    link.revoked_at, link.revoked_by = common.now(), by
    await session.flush()
    openings = (await repo.family_link_openings(session, [link.id]))[link.id]
    return _issued(link, openings, key=key, base_url=base_url)


async def listing(session: AsyncSession, budget: Budget, *, key: bytes, base_url: str) -> list[IssuedLink]:
    """The budget's links, newest first, each with its state and openings."""
    links = await repo.family_links(session, budget.id)
    openings = await repo.family_link_openings(session, [link.id for link in links])
    return [_issued(link, openings[link.id], key=key, base_url=base_url) for link in links]


@dataclass(frozen=True)
class Opened:
    """What a family's token opened: the link and its budget and ``status`` ``open``, or a refusal
    (``expired``/``revoked``: a 410, recorded; ``invalid``: a 404, nothing to record it against)."""

    status: str
    link: FamilyLink | None = None
    budget: Budget | None = None


INVALID = "invalid"


async def open_link(session: AsyncSession, token: str, *, key: bytes, fmt: str) -> Opened:
    """Check the token and its link, and record the opening (or the refused attempt) against the link."""
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                            options={"require": ["sub", "bud", "doc", "exp"], "verify_exp": False})
    except jwt.PyJWTError:
        return Opened(INVALID)
    found = await repo.family_link_with_budget(session, str(claims["sub"]))
    if found is None:
        return Opened(INVALID)
    link, budget = found
    if (claims["bud"], claims["doc"]) != (link.budget_id, link.document) or \
            claims["exp"] != int(link.expires_at.timestamp()):
        return Opened(INVALID)  # signed with our secret, yet not what this link was issued for: never open it
    status = link_state(expires_at=link.expires_at, revoked_at=link.revoked_at, now=common.now())
    await repo.add_family_link_opening(session, FamilyLinkOpening(
        id=str(uuid.uuid4()), link_id=link.id, opened_at=common.now(), format=fmt,
        outcome="opened" if status == OPEN else status))
    return Opened(status, link, budget)


async def ask_for_review(session: AsyncSession, opened: Opened, *, reason: str) -> Review:
    """The family asks for a review from their link (BUD-09: whenever the family asks): recorded as a review
    request by the link, due today."""
    if opened.link is None or opened.budget is None:
        raise NotFound("this link opens nothing")
    said = reason.strip() or "no reason given"
    requested = await reviews.request(session, opened.budget, requested_on=today(),
                                      reason=f"Asked by the family from their statement link: {said}",
                                      by=f"family-link:{opened.link.id}")
    return requested.review


def today() -> date:
    return common.now().astimezone(UTC).date()
