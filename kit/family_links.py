"""Family links (issue 20), the mechanism every service shares: the tables' columns, the signed token, issuing,
listing, revoking and opening a link, and recording what the family did from it.

A service names its own link with a ``LinkSpec``: its issuer, the public path of its pages, its two tables, and the
field (and token claim) naming the family (a budget, a direct-payment agreement, a child). The token is a JWT signed
with HMAC-SHA256 under the service's own secret, carrying the link id, the family, the document (and the record it
is about) and the expiry. It is checked twice: the signature (so nobody can make or alter one), then the stored link
(so it can be revoked, and a token naming another family or document than its link opens nothing, even if the
secret leaked). The token is never stored: it is made again from the row when a caseworker lists the links, so a
copy of the database opens nothing. Every use is a row of openings, without IP address or user agent."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import jwt
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from kit import clock
from kit.db import UTCDateTime
from kit.errors import Conflict, InvalidInput, NotFound
from kit.family import INVALID, OPEN, expiry, link_state
from kit.schemas import Input, IsoDate

ALGORITHM = "HS256"
AUDIENCE = "sendpb-family"


class FamilyLinkColumns:
    """The columns of a service's ``family_links`` table; the service adds the column naming the family. Revoking
    sets ``revoked_at``; nothing is deleted. ``acted_at``/``action_id``: the one thing the family did from the link
    (a challenge, a dispute), so that the form posted twice records it once."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    document: Mapped[str] = mapped_column(String(30))
    document_id: Mapped[str | None] = mapped_column(String(36))
    issued_by: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(120))
    acted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    action_id: Mapped[str | None] = mapped_column(String(36))


class FamilyLinkOpeningColumns:
    """Append-only: each time a family link was used, when, in which form, and whether it opened. No IP address or
    user agent: they are the family's personal data, and "was it opened, when, how often" is all the council needs
    (a link opened far more often than a family would suggests it was forwarded: revoke it)."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    format: Mapped[str] = mapped_column(String(10))     # html | pdf | action
    outcome: Mapped[str] = mapped_column(String(10))    # opened | expired | revoked

    @declared_attr
    def link_id(cls) -> Mapped[str]:
        return mapped_column(ForeignKey("family_links.id"))


@dataclass(frozen=True)
class LinkSpec:
    """One service's family links: ``issuer`` (the token's ``iss``), ``path`` (where its pages are, ending in
    ``/``), its tables, ``family_field`` (the link's attribute naming the family) and ``family_claim`` (the token's
    claim carrying it), and the ``documents`` a link may open."""

    issuer: str
    path: str
    link: Any
    opening: Any
    family_field: str
    family_claim: str
    documents: tuple[str, ...]

    def family_of(self, link) -> str:
        return getattr(link, self.family_field)


@dataclass(frozen=True)
class LinkScope:
    """The links a record holds: ``family_id``'s (every family's when None) about ``document_id`` (any document
    of the family when None); ``record`` is the record itself, for ``target``."""

    local_authority: str
    family_id: str | None
    document_id: str | None
    record: Any = None


@dataclass(frozen=True)
class LinkTarget:
    """What a new link opens: the family, the document and the record it is about."""

    family_id: str
    document: str
    document_id: str | None = None


def sign(spec: LinkSpec, link, key: bytes) -> str:
    claims = {"iss": spec.issuer, "aud": AUDIENCE, "sub": link.id, spec.family_claim: spec.family_of(link),
              "doc": link.document, "iat": int(link.issued_at.timestamp()), "exp": int(link.expires_at.timestamp())}
    if link.document_id is not None:
        claims["did"] = link.document_id
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def url_of(spec: LinkSpec, link, *, key: bytes, base_url: str) -> str:
    return f"{base_url.rstrip('/')}{spec.path}{sign(spec, link, key)}"


@dataclass(frozen=True)
class IssuedLink:
    """A link as the caseworker sees it: the row, its URL, its state now and its openings (newest first)."""

    link: Any
    url: str
    status: str
    openings: list

    def __getattr__(self, name: str):  # the link's own fields (id, document, expires_at, ...)
        return getattr(self.link, name)


def _issued(spec: LinkSpec, link, openings: list, *, key: bytes, base_url: str) -> IssuedLink:
    status = link_state(expires_at=link.expires_at, revoked_at=link.revoked_at, now=clock.now())
    return IssuedLink(link, url_of(spec, link, key=key, base_url=base_url), status, openings)


async def issue(session: AsyncSession, spec: LinkSpec, *, family_id: str, local_authority: str, document: str,
                document_id: str | None = None, expires_in_days: int | None, expires_on, by: str, key: bytes,
                base_url: str) -> IssuedLink:
    """A new link to ``document`` (about ``document_id``) for the family, lasting ``expires_in_days`` days from now,
    or until the end of ``expires_on`` (UTC), or 28 days; never more than 90 (422 naming the field)."""
    if document not in spec.documents:
        raise InvalidInput.field("document", f"one of {', '.join(spec.documents)}")
    if expires_in_days is not None and expires_on is not None:
        raise InvalidInput.field("expires_on", "give expires_in_days or expires_on, not both")
    now = clock.now().replace(microsecond=0)
    field, refusal, expires_at = expiry(now=now, expires_in_days=expires_in_days, expires_on=expires_on)
    if refusal:
        raise InvalidInput.field(field, refusal)
    link = spec.link(id=str(uuid.uuid4()), local_authority=local_authority, document=document,
                     document_id=document_id, issued_by=by, issued_at=now, expires_at=expires_at,
                     **{spec.family_field: family_id})
    session.add(link)
    await session.flush()
    return _issued(spec, link, [], key=key, base_url=base_url)


async def find(session: AsyncSession, spec: LinkSpec, family_id: str | None, link_id: str, *,
               document_id: str | None = None):
    """One link of the family (any family's when None) about ``document_id`` (any document when None), or None:
    the caller already holds the record the links hang from under its LAs."""
    stmt = select(spec.link).where(spec.link.id == link_id)
    if family_id is not None:
        stmt = stmt.where(getattr(spec.link, spec.family_field) == family_id)
    if document_id is not None:
        stmt = stmt.where(spec.link.document_id == document_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def openings(session: AsyncSession, spec: LinkSpec, link_ids: list[str]) -> dict[str, list]:
    """Each link's openings, newest first."""
    if not link_ids:
        return {}
    o = spec.opening
    stmt = select(o).where(o.link_id.in_(link_ids)).order_by(o.opened_at.desc(), o.id)
    found: dict[str, list] = {i: [] for i in link_ids}
    for opening in (await session.execute(stmt)).scalars():
        found[opening.link_id].append(opening)
    return found


async def revoke(session: AsyncSession, spec: LinkSpec, family_id: str | None, link_id: str, *, by: str,
                 key: bytes, base_url: str, document_id: str | None = None) -> IssuedLink:
    """Withdraw a link: it opens nothing from now on. Another family's link (or one about another document than
    ``document_id``) is a 404; revoking twice a 409."""
    link = await find(session, spec, family_id, link_id, document_id=document_id)
    if link is None:
        raise NotFound(f"family link {link_id} was not found")
    if link.revoked_at is not None:
        raise Conflict(f"family link {link_id} was already revoked on {link.revoked_at.date()}")
    link.revoked_at, link.revoked_by = clock.now(), by
    await session.flush()
    return _issued(spec, link, (await openings(session, spec, [link.id]))[link.id], key=key, base_url=base_url)


async def listing(session: AsyncSession, spec: LinkSpec, family_id: str | None, *, key: bytes, base_url: str,
                  document_id: str | None = None) -> list[IssuedLink]:
    """The family's links (every family's, when ``family_id`` is None; to ``document_id`` only, when given), newest
    first, each with its state and openings."""
    m = spec.link
    stmt = select(m)
    if family_id is not None:
        stmt = stmt.where(getattr(m, spec.family_field) == family_id)
    if document_id is not None:
        stmt = stmt.where(m.document_id == document_id)
    links = list((await session.execute(stmt.order_by(m.issued_at.desc(), m.id))).scalars())
    found = await openings(session, spec, [link.id for link in links])
    return [_issued(spec, link, found[link.id], key=key, base_url=base_url) for link in links]


@dataclass(frozen=True)
class Opened:
    """What a family's token opened: the link with ``status`` ``open``, or a refusal (``expired``/``revoked``: a
    410, recorded against the link; ``invalid``: a 404, nothing to record it against)."""

    status: str
    link: Any = None


async def open_link(session: AsyncSession, spec: LinkSpec, token: str, *, key: bytes, fmt: str) -> Opened:
    """Check the token and its link, and record the opening (or the refused attempt) against the link."""
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=spec.issuer,
                            options={"require": ["sub", spec.family_claim, "doc", "exp"], "verify_exp": False})
    except jwt.PyJWTError:
        return Opened(INVALID)
    link = await session.get(spec.link, str(claims["sub"]))
    if link is None:
        return Opened(INVALID)
    if (claims[spec.family_claim], claims["doc"], claims.get("did")) != (
            spec.family_of(link), link.document, link.document_id) or \
            claims["exp"] != int(link.expires_at.timestamp()):
        return Opened(INVALID)  # signed with our secret, yet not what this link was issued for: never open it
    status = link_state(expires_at=link.expires_at, revoked_at=link.revoked_at, now=clock.now())
    session.add(spec.opening(id=str(uuid.uuid4()), link_id=link.id, opened_at=clock.now(), format=fmt,
                             outcome="opened" if status == OPEN else status))
    await session.flush()
    return Opened(status, link)


def acted(link, action_id: str) -> None:
    """Record the one thing the family did from this link (``action_id``: the challenge, dispute... it made), so a
    second post of the form answers what the first did instead of doing it again."""
    link.acted_at, link.action_id = clock.now(), action_id


# ---------------------------------------------------------------- what a caseworker reads of a link
class FamilyLinkOpeningRead(BaseModel):
    """One use of a family link: when, in which form, and whether it opened (no IP address or user agent)."""

    model_config = ConfigDict(from_attributes=True)
    opened_at: datetime
    format: str = Field(description="`html`, `pdf`, or `action` (the family acted from the page)")
    outcome: str = Field(description="`opened`, or `expired`/`revoked` when the link was refused")


class LinkRead(BaseModel):
    """The fields of a family link every service shows a caseworker; a service's read adds the family's field and
    the document's."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    url: str
    issued_at: datetime
    issued_by: str
    expires_at: datetime
    revoked_at: datetime | None
    status: Literal["open", "expired", "revoked"]
    openings: list[FamilyLinkOpeningRead] = Field(description="every use of the link, newest first")


class FamilyLinkExpiry(Input):
    """How long a new link lasts: `expires_in_days` (default 28, at most 90) or until `expires_on`."""

    expires_in_days: int | None = Field(None, ge=1, le=90, description=(
        "how long the link lasts, in days from now (default 28, at most 90)"))
    expires_on: IsoDate | None = Field(None, description=(
        "or the date it lasts until (at most 90 days from today); give one of the two, or neither for 28 days"))


# ---------------------------------------------------------------- the tables, for a service's migration
def create_link_tables(op, *, family_column: str, family_length: int) -> None:
    """Create ``family_links`` (with ``family_column`` naming the family) and ``family_link_openings`` in a
    service's migration (``op``: alembic's), as ``FamilyLinkColumns`` and ``FamilyLinkOpeningColumns`` map them."""
    import sqlalchemy as sa

    ts = sa.DateTime(timezone=True)
    op.create_table(
        "family_links",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(family_column, sa.String(family_length), nullable=False),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("document", sa.String(30), nullable=False),
        sa.Column("document_id", sa.String(36)),
        sa.Column("issued_by", sa.String(120), nullable=False),
        sa.Column("issued_at", ts, nullable=False),
        sa.Column("expires_at", ts, nullable=False),
        sa.Column("revoked_at", ts),
        sa.Column("revoked_by", sa.String(120)),
        sa.Column("acted_at", ts),
        sa.Column("action_id", sa.String(36)),
        sa.PrimaryKeyConstraint("id", name="pk_family_links"),
    )
    op.create_index(f"ix_family_links_{family_column}", "family_links", [family_column])
    op.create_table(
        "family_link_openings",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("link_id", sa.String(36),
                  sa.ForeignKey("family_links.id", name="fk_family_link_openings_link_id_family_links"),
                  nullable=False),
        sa.Column("opened_at", ts, nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_family_link_openings"),
    )
    op.create_index("ix_family_link_openings_link_id", "family_link_openings", ["link_id", "opened_at"])


def drop_link_tables(op, *, family_column: str) -> None:
    op.drop_index("ix_family_link_openings_link_id", table_name="family_link_openings")
    op.drop_table("family_link_openings")
    op.drop_index(f"ix_family_links_{family_column}", table_name="family_links")
    op.drop_table("family_links")
