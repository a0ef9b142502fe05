"""Rate limits on the pages a family opens from a signed link (issue 20): no account, no token, so no client to
limit. Each request takes a token from a bucket per source address (pages and forms apart: a form posts far less
often than a page is read), one per link, and one per address for links that do not open: a request takes that
last token before it is forwarded and gives it back unless the service answers 404 (a link it never issued, or
altered), so only guesses count, and an address that keeps guessing is shut out for a while.

The buckets are ``gateway.ratelimit``'s (in Redis when the gateway has one, else this replica's share). A refusal
is 429 with Retry-After: problem+json, or a page a person can read when the browser asks for HTML. The link is
never a key as sent (it is the family's credential): its SHA-256 is. None of this runs for an authenticated call."""
from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from gateway.ratelimit import Buckets, buckets
from gateway.settings import GatewaySettings, SignedLinkLimitSettings
from gateway.token import source_of
from kit.errors import PROBLEM_BASE, PROBLEM_JSON
from kit.family_pages import HEADERS, message_page
from kit.metrics import RATE_LIMITED

log = logging.getLogger("sendpb.gateway.signed_links")
Send = Callable[[dict], Awaitable[None]]
FORMS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_A_LINK = 404  # what a service answers for a token it did not issue or that was altered (kit.family_pages)
LABEL = "Your child's personal budget"


@dataclass(frozen=True)
class Refusal:
    bucket: str   # which limit: the metric's label
    title: str
    detail: str   # problem+json's detail, and the page's sentence


ADDRESS = Refusal("signed-link:address", "Too many requests",
                  "Too many pages were asked for from your connection in a short time. Wait a minute, then try "
                  "again.")
LINK = Refusal("signed-link:link", "Too many requests",
               "This link was opened many times in a short time. Wait a minute, then open it again.")
GUESSES = Refusal("signed-link:guesses", "Too many links that do not work",
                  "Several links that do not work were opened from your connection. Wait a while, then open the "
                  "link exactly as your caseworker sent it, or ask them for a new one.")


class SignedLinkLimits:
    """The limits of the signed-link pages. ``admit`` is called once per request to such a page."""

    def __init__(self, *, pages: Buckets, forms: Buckets, links: Buckets, guesses: Buckets,
                 trusted_proxies: list[str]) -> None:
        self.pages, self.forms, self.links, self.guesses = pages, forms, links, guesses
        self.trusted = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    @classmethod
    def from_settings(cls, settings: GatewaySettings, *, redis: Any | None,
                      clock: Callable[[], float] = time.monotonic) -> SignedLinkLimits:
        """Buckets as the settings say; ``clock`` is the in-process buckets' time (the tests' own)."""
        limits: SignedLinkLimitSettings = settings.signed_links
        prefix = settings.redis_prefix + "signed-links:"

        def per(count: int, seconds: float, name: str) -> Buckets:
            return buckets(count / seconds, count, replicas=settings.replicas, redis=redis, prefix=prefix + name,
                           clock=clock)

        return cls(pages=per(limits.pages_per_address_per_minute, 60, "pages:"),
                   forms=per(limits.forms_per_address_per_minute, 60, "forms:"),
                   links=per(limits.openings_per_link_per_minute, 60, "link:"),
                   guesses=per(limits.failed_openings_per_address, limits.failed_openings_window_seconds,
                               "guesses:"),
                   trusted_proxies=settings.trusted_proxies)

    async def admit(self, scope: dict, send: Send) -> Send | None:
        """The ``send`` to forward the request with, or None when it was refused (429 sent)."""
        address = bucket_of(source_of(Request(scope), self.trusted))
        by_address = self.forms if scope["method"] in FORMS else self.pages
        for bucket, key, refusal in ((by_address, address, ADDRESS), (self.links, link_key(scope["path"]), LINK)):
            allowed, wait = await bucket.take(key)
            if not allowed:
                return await _refuse(scope, send, refusal, wait)
        allowed, wait = await self.guesses.take(address)
        if not allowed:
            log.warning("signed-link pages refused to %s: too many links that did not open", address,
                        extra={"source": address, "reason": "guesses"})
            return await _refuse(scope, send, GUESSES, wait)
        return self._counting_guesses(send, address)

    def _counting_guesses(self, send: Send, address: str) -> Send:
        async def counted(message: dict) -> None:
            if message["type"] == "http.response.start" and message["status"] != NOT_A_LINK:
                await self.guesses.give_back(address)
            await send(message)
        return counted


def bucket_of(address: str) -> str:
    """The address a bucket is kept for: an IPv6 address's /64, which one household or host is given whole (it could
    otherwise take a fresh address per request); an IPv4 address as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else address


def link_key(path: str) -> str:
    """The link a path opens (its token, with or without ``.pdf``), hashed: a bucket per link, never the token."""
    _, found, after = path.partition("/family/")
    token = after.split("/", 1)[0].removesuffix(".pdf") if found else path
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def after(seconds: int) -> str:
    """How long the family waits, as they would say it: "in a minute", "in about 2 minutes"."""
    minutes = math.ceil(seconds / 60)
    return "in a minute" if minutes <= 1 else f"in about {minutes} minutes"


async def _refuse(scope: dict, send: Send, refusal: Refusal, wait: float) -> None:
    RATE_LIMITED.labels(refusal.bucket).inc()
    seconds = max(1, math.ceil(wait))
    retry_after, detail = str(seconds), f"{refusal.detail} You can try again {after(seconds)}."
    accept = next((v for k, v in scope["headers"] if k == b"accept"), b"")
    if b"text/html" in accept:
        body = message_page(refusal.title, detail, label=LABEL).encode()
        content_type = b"text/html; charset=utf-8"
    else:
        body = json.dumps({"type": PROBLEM_BASE + "rate-limited", "title": refusal.title, "status": 429,
                           "detail": detail}).encode()
        content_type = PROBLEM_JSON.encode()
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
               (b"retry-after", retry_after.encode()),
               *((k.lower().encode(), v.encode()) for k, v in HEADERS.items())]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return None
