"""POST /oauth/token: OAuth 2.0 client credentials (RFC 6749 §4.4).

The client authenticates with HTTP Basic (RFC 6749 §2.3.1, which servers MUST support) or with the form fields
``client_id`` and ``client_secret``, never both. Refusals carry the RFC's ``error`` code inside the platform's
problem+json. Failed attempts are throttled per client id and per source address, before the secret is hashed
(scrypt is the expensive part: 600 wrong secrets in a row once held another client's token for 5 s), and every
failure is logged with the client id, the source and the reason, never the secret."""
from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
import logging
import math
from dataclasses import dataclass
from urllib.parse import unquote_plus

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from gateway.clients import ClientRegistry
from gateway.ratelimit import Buckets
from kit.auth import TokenIssuer
from kit.errors import problem

log = logging.getLogger("sendpb.gateway.token")
PARAMETERS = {"grant_type": 40, "client_id": 120, "client_secret": 500, "scope": 500}  # longest accepted
BASIC_CHALLENGE = 'Basic realm="sendpb", charset="UTF-8"'


class Refused(Exception):
    def __init__(self, status: int, error: str, detail: str, *, reason: str | None = None,
                 challenge: bool = False, retry_after: int | None = None, errors: list[dict] | None = None) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail
        self.reason = reason or error          # what the log says
        self.challenge, self.retry_after, self.errors = challenge, retry_after, errors

    def response(self) -> JSONResponse:
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        if self.challenge:
            headers["WWW-Authenticate"] = BASIC_CHALLENGE
        if self.retry_after:
            headers["Retry-After"] = str(self.retry_after)
        slug = "rate-limited" if self.status == 429 else f"oauth-{self.error.replace('_', '-')}"
        return problem(self.status, slug, "Token request refused", self.detail, headers=headers,
                       error=self.error, error_description=self.detail, errors=self.errors)


@dataclass(frozen=True)
class Credentials:
    client_id: str
    secret: str
    basic: bool  # sent with HTTP Basic: a 401 must then challenge for it


def _basic(authorization: str) -> Credentials:
    """The client id and secret of an ``Authorization: Basic`` header: each form-encoded, then joined by ':'."""
    try:
        decoded = base64.b64decode(authorization.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise Refused(401, "invalid_client", "the Basic credentials are not base64 of client_id:client_secret",
                      reason="malformed Basic credentials", challenge=True) from None
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id:
        raise Refused(401, "invalid_client", "the Basic credentials are not base64 of client_id:client_secret",
                      reason="malformed Basic credentials", challenge=True)
    return Credentials(unquote_plus(client_id), unquote_plus(secret), basic=True)


def _missing(*names: str) -> Refused:
    return Refused(400, "invalid_request", f"missing: {', '.join(names)}",
                   errors=[{"field": n, "message": "Field required"} for n in names])


async def credentials(request: Request) -> tuple[dict[str, str], Credentials]:
    """The request's parameters and the client's credentials, or ``Refused`` saying what is wrong with them."""
    form = await request.form()
    values: dict[str, str] = {}
    for name, longest in PARAMETERS.items():
        given = form.getlist(name)
        if len(given) > 1:
            raise Refused(400, "invalid_request", f"{name} is given more than once")
        if given:
            if not isinstance(given[0], str) or len(given[0]) > longest:
                raise Refused(400, "invalid_request", f"{name} must be text of at most {longest} characters",
                              errors=[{"field": name, "message": f"at most {longest} characters"}])
            values[name] = given[0]
    scheme, _, rest = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":  # any other scheme is not client authentication: ignored, as it always was
        creds = _basic(rest)
        if "client_secret" in values:
            raise Refused(400, "invalid_request", "authenticate with HTTP Basic or with client_secret, not both")
        if values.get("client_id", creds.client_id) != creds.client_id:
            raise Refused(400, "invalid_request", "client_id differs from the client of the Basic credentials")
    elif "client_id" in values and "client_secret" in values:
        creds = Credentials(values["client_id"], values["client_secret"], basic=False)
    elif "client_id" in values or "client_secret" in values:
        raise _missing(*(n for n in ("grant_type", "client_id", "client_secret") if n not in values))
    else:
        raise Refused(401, "invalid_client", "no client authentication: use HTTP Basic, or client_id and "
                      "client_secret", reason="no client authentication", challenge=True)
    if "grant_type" not in values:
        raise _missing("grant_type")
    return values, creds


def source_of(request: Request, trusted: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> str:
    """The caller's address: the peer, or behind a trusted proxy the last X-Forwarded-For hop it did not add."""
    peer = request.client.host if request.client else "unknown"
    hops = [peer]
    if trusted and (forwarded := request.headers.get("x-forwarded-for")):
        hops = [h.strip() for h in forwarded.split(",") if h.strip()] + [peer]
    for hop in reversed(hops):
        try:
            address = ipaddress.ip_address(hop)
        except ValueError:
            return hop[:64]
        if not any(address in network for network in trusted):
            return hop
    return hops[0][:64]


class TokenEndpoint:
    def __init__(self, registry: ClientRegistry, issuer: TokenIssuer, *, per_client: Buckets, per_source: Buckets,
                 trusted_proxies: list[str]) -> None:
        self.registry, self.issuer = registry, issuer
        self.per_client, self.per_source = per_client, per_source
        self.trusted = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    async def __call__(self, request: Request) -> Response:
        source = source_of(request, self.trusted)
        client_id = None
        try:
            values, creds = await credentials(request)
            client_id = creds.client_id
            request.state.client_id = client_id  # for the access log
            if values["grant_type"] != "client_credentials":
                raise Refused(400, "unsupported_grant_type", "only grant_type=client_credentials is supported")
            return await self._grant(creds, values.get("scope"), source)
        except Refused as refused:
            if refused.status in (401, 429):
                log.warning("token request refused: %s", refused.reason, extra={
                    "client": client_id, "source": source, "reason": refused.reason, "status": refused.status})
            return refused.response()

    async def _grant(self, creds: Credentials, scope: str | None, source: str) -> Response:
        keys = ((self.per_client, f"client:{creds.client_id}"), (self.per_source, f"source:{source}"))
        taken, wait = [], 0.0
        for buckets, key in keys:  # an attempt takes a token before scrypt runs; a success gives it back
            allowed, retry = await buckets.take(key)
            if allowed:
                taken.append((buckets, key))
            wait = max(wait, retry)
        if len(taken) < len(keys):
            for buckets, key in taken:
                await buckets.give_back(key)
            raise Refused(429, "temporarily_unavailable", "too many failed token requests for this client or "
                          "from this address; try again later", reason="throttled",
                          retry_after=max(1, math.ceil(wait)))
        client = await asyncio.to_thread(self.registry.authenticate, creds.client_id, creds.secret)
        if client is None:
            raise Refused(401, "invalid_client", "unknown client or wrong secret", challenge=creds.basic,
                          reason="unknown client or wrong secret")
        for buckets, key in taken:
            await buckets.give_back(key)
        wanted = scope.split() if scope else list(client.scopes)
        extra = sorted(set(wanted) - set(client.scopes))
        if extra:
            raise Refused(400, "invalid_scope", f"client {creds.client_id} may not have: {' '.join(extra)}")
        access = self.issuer.issue(client_id=client.client_id, scopes=wanted, las=list(client.las))
        return JSONResponse({"access_token": access, "token_type": "Bearer", "expires_in": self.issuer.ttl,
                             "scope": " ".join(wanted)}, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
