"""Family links (issue 20), the rules every service shares: how long a link may last, whether it still opens, and
the key that signs it. Pure (the standard library only), so a service's domain can name them.

A caseworker issues a link for one family and one document; it is signed (HS256), expires (``DEFAULT_LINK_DAYS``,
at most ``MAX_LINK_DAYS``), can be revoked, and every use is recorded without IP address or user agent
(``kit/family_links.py``). The page it opens is framed by ``kit/family_pages.py``."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

DEFAULT_LINK_DAYS = 28
MAX_LINK_DAYS = 90
OPEN, EXPIRED, REVOKED, INVALID = "open", "expired", "revoked", "invalid"
# The key of dev mode only: every service refuses it outside dev mode (``link_key``).
DEV_FAMILY_LINK_SECRET = "dev-family-link-secret-not-for-production-use"
MIN_SECRET_CHARS = 32


def link_days_refusal(days: int) -> str | None:
    """Why a link cannot last ``days`` days, or None: at least a day, at most ``MAX_LINK_DAYS`` (a link is a key to
    a child's figures; one that never expires cannot be taken back from a forwarded email)."""
    if days < 1:
        return "a link lasts at least 1 day"
    if days > MAX_LINK_DAYS:
        return f"a link lasts at most {MAX_LINK_DAYS} days; issue a new one when it runs out"
    return None


def link_expiry(issued_at: datetime, days: int) -> datetime:
    return issued_at + timedelta(days=days)


def expiry(*, now: datetime, expires_in_days: int | None,
           expires_on: date | None) -> tuple[str, str | None, datetime | None]:
    """When a link issued ``now`` expires: ``expires_in_days`` days from now, or at the end of ``expires_on`` (UTC),
    or after ``DEFAULT_LINK_DAYS``. Returns the field that set it, and why it cannot (``link_days_refusal``) or the
    moment."""
    if expires_on is not None:
        field, days = "expires_on", (expires_on - now.astimezone(UTC).date()).days + 1
    else:
        field, days = "expires_in_days", DEFAULT_LINK_DAYS if expires_in_days is None else expires_in_days
    if refusal := link_days_refusal(days):
        return field, refusal, None
    if expires_on is not None:
        return field, None, datetime.combine(expires_on, time(), tzinfo=UTC) + timedelta(days=1)
    return field, None, link_expiry(now, days)


def link_state(*, expires_at: datetime, revoked_at: datetime | None, now: datetime) -> str:
    """``revoked`` once revoked (whenever that was), else ``expired`` from ``expires_at`` on, else ``open``."""
    if revoked_at is not None:
        return REVOKED
    if now >= expires_at:
        return EXPIRED
    return OPEN


def link_key(secret: str | None, *, dev: bool, base_url: str, setting: str) -> bytes:
    """The key that signs a service's family links. Outside dev mode the secret must be set, and not the dev one,
    and the links are https; a secret is at least ``MIN_SECRET_CHARS`` long everywhere. Raises ``ValueError``
    naming ``setting`` (the service refuses to start)."""
    if not dev:
        if secret is None:
            raise ValueError(f"{setting} must be set outside dev mode (the dev key is refused)")
        if secret == DEV_FAMILY_LINK_SECRET:
            raise ValueError(f"{setting} holds the dev key, which is refused outside dev mode")
        if not base_url.startswith("https://"):
            raise ValueError(f"{setting.removesuffix('_SECRET')}_BASE_URL: outside dev mode family links are https")
    if secret is not None and len(secret) < MIN_SECRET_CHARS:
        raise ValueError(f"{setting}: at least {MIN_SECRET_CHARS} characters (a random 256-bit value)")
    return (secret or DEV_FAMILY_LINK_SECRET).encode()
