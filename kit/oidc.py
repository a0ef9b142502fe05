"""Access tokens of a council's own identity provider (Entra ID, Keycloak, NHS CIS2, any OpenID Connect issuer).

The gateway checks them and exchanges each for a token of its own (same client, the scopes and LAs mapped from the
provider's claims, expiring no later): the services go on trusting the gateway's keys only, and need neither the
providers' configuration nor a way out to them (docs/OPERATIONS.md). Keys come from the provider's JWKS, found by
discovery, cached, and fetched again when a token names a key not seen yet (a rotation) — at most once per
``jwks_min_refresh_seconds``, so tokens with made-up key ids cannot make the gateway hammer the provider."""
from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

import jwt
from pydantic import BaseModel, Field, field_validator, model_validator

from kit.auth import SCOPES, Caller, TokenIssuer, TokenVerifier, refused_as_unauthorized
from kit.errors import AppError, Unauthorized

log = logging.getLogger("sendpb.oidc")
LA_CODE = re.compile(r"^[EWSN]\d{8}$")
MAX_CLIENT_ID = 120
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


class IdentityProviderUnavailable(AppError):
    """The provider's keys could not be fetched and none are cached: the token cannot be checked (503)."""

    status, slug, title = 503, "identity-provider-unavailable", "Identity provider unavailable"


class OidcIssuer(BaseModel):
    """One trusted issuer, an item of ``SENDPB_OIDC_ISSUERS`` (a JSON list)."""

    issuer: str = Field(min_length=1)            # exactly the provider's `iss`
    audience: str | list[str]                    # what its tokens for this platform carry in `aud`
    name: str | None = Field(None, max_length=40)  # prefix of callers' client ids ("<name>:<client>"); issuer host
    discovery_url: str | None = None             # default: <issuer>/.well-known/openid-configuration
    jwks_uri: str | None = None                  # skips discovery when given
    algorithms: list[str] = list(ASYMMETRIC)
    client_claim: str = "sub"                    # the calling application: Entra `azp`, Keycloak `azp`/`client_id`
    clients: list[str] = []                      # when set, only these applications are accepted
    scope_claim: str = "scope"                   # `scope` (space-separated), Entra `scp` or `roles` (a list)
    scope_map: dict[str, list[str]] | None = None  # provider's value -> platform scopes; None: same names
    la_claim: str | None = None                  # a claim naming the councils (a string or a list)
    la_map: dict[str, list[str]] = {}            # its value -> LA codes; empty: values that are LA codes
    las: list[str] = []                          # LAs every token of this issuer may act for
    leeway_seconds: int = Field(30, ge=0, le=300)
    jwks_cache_seconds: float = Field(300.0, gt=0)
    jwks_min_refresh_seconds: float = Field(60.0, ge=0)
    http_timeout_seconds: float = Field(5.0, gt=0)

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, algorithms: list[str]) -> list[str]:
        refused = [a for a in algorithms if a not in ASYMMETRIC]
        if refused or not algorithms:
            raise ValueError(f"algorithms must be among {', '.join(ASYMMETRIC)} (refused: {refused or 'none'})")
        return algorithms

    @model_validator(mode="after")
    def _mappings_are_platform_values(self) -> OidcIssuer:
        unknown = sorted({s for v in (self.scope_map or {}).values() for s in v} - set(SCOPES))
        if unknown:
            raise ValueError(f"scope_map of {self.issuer}: not platform scopes: {' '.join(unknown)}")
        codes = [*self.las, *(c for v in self.la_map.values() for c in v)]
        if bad := [c for c in codes if not LA_CODE.match(c)]:
            raise ValueError(f"{self.issuer}: not LA codes (e.g. E06000060): {bad}")
        if not self.las and not self.la_claim:
            raise ValueError(f"{self.issuer}: give las, or la_claim, so that its tokens act for some LA")
        return self

    @property
    def label(self) -> str:
        return self.name or urlparse(self.issuer).hostname or self.issuer

    def urls(self) -> list[str]:
        return [u for u in (self.issuer, self.discovery_url, self.jwks_uri) if u]


def _values(claim: Any, *, split: bool) -> list[str]:
    if isinstance(claim, str):
        return claim.split() if split else [claim]
    if isinstance(claim, list):
        return [v for v in claim if isinstance(v, str)]
    return []


class ExternalIssuer:
    """Checks one issuer's access tokens: keys from its JWKS (cached, refetched on rotation), then signature,
    issuer, audience and times, then the mapping of its claims to a caller."""

    def __init__(self, config: OidcIssuer) -> None:
        self.config = config
        self.fetches = 0                       # JWKS fetches, for tests and logs
        self._jwks_uri = config.jwks_uri
        self._keys: dict[str, dict[str, Any]] | None = None
        self._checked_at = float("-inf")       # the last fetch attempted, successful or not
        self._lock = asyncio.Lock()

    async def verify(self, token: str) -> tuple[Caller, int]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"malformed token: {exc}") from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self.config.algorithms:
            raise Unauthorized(f"token algorithm {alg!r} is not accepted from {self.config.issuer}")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("token has no key id (kid)")
        jwk = await self._key(kid)
        if jwk.get("alg") not in (None, alg):
            raise Unauthorized(f"key {kid!r} is for {jwk['alg']}, not {alg}")
        with refused_as_unauthorized():
            key = jwt.PyJWK(jwk, algorithm=alg)
            claims = jwt.decode(token, key.key, algorithms=[alg], issuer=self.config.issuer,
                                audience=self.config.audience, leeway=self.config.leeway_seconds,
                                options={"require": ["exp", "iss", "aud"]})
        return self._caller(claims), int(claims["exp"])

    def _caller(self, claims: dict[str, Any]) -> Caller:
        cfg = self.config
        client = claims.get(cfg.client_claim)
        if not isinstance(client, str) or not client:
            raise Unauthorized(f"token has no {cfg.client_claim!r} claim naming the client")
        if len(client) > MAX_CLIENT_ID - len(cfg.label) - 1:   # the length stored with Idempotency-Keys
            raise Unauthorized(f"token's {cfg.client_claim!r} claim is too long to name a client")
        if cfg.clients and client not in cfg.clients:
            raise Unauthorized(f"client {client!r} of {cfg.issuer} is not one this platform accepts")
        granted = _values(claims.get(cfg.scope_claim), split=True)
        if cfg.scope_map is None:
            scopes = {s for s in granted if s in SCOPES}
        else:
            scopes = {s for g in granted for s in cfg.scope_map.get(g, ())}
        las = list(cfg.las)
        if cfg.la_claim:
            for value in _values(claims.get(cfg.la_claim), split=False):
                mapped = cfg.la_map.get(value, []) if cfg.la_map else ([value] if LA_CODE.match(value) else [])
                las.extend(c for c in mapped if c not in las)
        if not las:
            raise Unauthorized(f"token of {cfg.issuer} maps to no local authority")
        return Caller(client_id=f"{cfg.label}:{client}", scopes=frozenset(scopes), las=tuple(las))

    async def _key(self, kid: str) -> dict[str, Any]:
        since = time.monotonic() - self._checked_at
        unknown = self._keys is None or kid not in self._keys   # not fetched yet, or the provider rotated
        if since > self.config.jwks_cache_seconds or (unknown and since >= self.config.jwks_min_refresh_seconds):
            await self._refresh(self._checked_at)
        if self._keys is None:
            raise IdentityProviderUnavailable(f"the keys of {self.config.issuer} could not be fetched")
        key = self._keys.get(kid)
        if key is None:
            raise Unauthorized(f"token signed with a key {self.config.issuer} does not publish")
        return key

    async def _refresh(self, seen: float) -> None:
        async with self._lock:
            if self._checked_at != seen:       # another request fetched them while this one waited
                return
            self._checked_at = time.monotonic()
            import httpx  # here, not at import: only a gateway with external issuers fetches keys (memory)

            try:
                async with httpx.AsyncClient(timeout=self.config.http_timeout_seconds) as http:
                    if self._jwks_uri is None:
                        self._jwks_uri = await self._discover(http)
                    self.fetches += 1
                    response = await http.get(self._jwks_uri)
                    response.raise_for_status()
                    keys = response.json()["keys"]
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                log.warning("keys of %s not fetched (keeping %d cached): %s", self.config.issuer,
                            len(self._keys or {}), exc)
                return
            self._keys = {k["kid"]: k for k in keys
                          if isinstance(k, dict) and isinstance(k.get("kid"), str) and k.get("use") in (None, "sig")}
            log.info("keys of %s fetched: %s", self.config.issuer, ", ".join(sorted(self._keys)))

    async def _discover(self, http: Any) -> str:
        url = self.config.discovery_url or self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
        response = await http.get(url)
        response.raise_for_status()
        document = response.json()
        if document.get("issuer") != self.config.issuer:   # OpenID Connect Discovery 1.0, section 4.3
            raise ValueError(f"discovery at {url} names issuer {document.get('issuer')!r}")
        return str(document["jwks_uri"])


class Authenticator:
    """The gateway's token check: its own tokens, and those of the external issuers, each exchanged for one of
    the gateway's own that the services trust (cached with the check until the token expires)."""

    def __init__(self, own: TokenVerifier, externals: Sequence[ExternalIssuer], minter: TokenIssuer,
                 *, cache_size: int = 10_000) -> None:
        self.own, self.minter = own, minter
        self.externals = {e.config.issuer: e for e in externals}
        self._cache: dict[str, tuple[Caller, int, str]] = {}
        self._cache_size = cache_size

    async def authenticate(self, token: str) -> tuple[Caller, str | None]:
        """The caller, and the token to forward instead of the caller's (None: forward it as it is)."""
        if not self.externals:
            return self.own.verify(token), None
        hit = self._cache.get(token)
        if hit is not None and hit[1] > time.time():
            return hit[0], hit[2]
        try:
            iss = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"malformed token: {exc}") from None
        external = self.externals.get(iss) if isinstance(iss, str) else None
        if external is None:
            return self.own.verify(token), None
        caller, exp = await external.verify(token)
        forwarded = self.minter.issue(client_id=caller.client_id, scopes=sorted(caller.scopes),
                                      las=list(caller.las), expires_at=exp)
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[token] = (caller, exp, forwarded)
        return caller, forwarded
