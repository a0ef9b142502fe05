"""JWT access tokens (EdDSA), the caller they describe, and the scope/LA checks every endpoint relies on."""
from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kit.errors import Forbidden, Unauthorized

if TYPE_CHECKING:
    from kit.settings import PlatformSettings

ALGORITHM = "EdDSA"
DEV_KID = "dev-1"
SCOPES = ("casework", "panel", "finance", "health", "commissioning", "ras-admin", "read")


def dev_private_key_pem() -> str:
    """The dev signing key: derived from a public seed, so it is only ever accepted in dev mode."""
    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"sendpb dev signing key - never in prod").digest())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_key_pem(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def fingerprint(pem: str) -> str:
    """``sha256:<hex>`` of a key's public half (DER SubjectPublicKeyInfo), from a PEM public or private key: the
    same however the key is written or whatever kid it is given. ValueError when it is no key."""
    data = pem.encode()
    try:
        try:
            public = serialization.load_pem_public_key(data)
        except ValueError:
            public = serialization.load_pem_private_key(data, password=None).public_key()
        der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ValueError("not a PEM public or private key") from None
    return "sha256:" + hashlib.sha256(der).hexdigest()


@functools.cache
def dev_key_fingerprint() -> str:
    return fingerprint(dev_private_key_pem())


def refuse_dev_key(pem: str, *, setting: str) -> None:
    """Outside dev mode: refuse ``pem`` (a key named by ``setting`` in the message) if it is no key, or the dev
    key, whatever its kid (the dev key's seed is public: anyone can sign tokens with it)."""
    try:
        found = fingerprint(pem)
    except ValueError as exc:
        raise ValueError(f"{setting}: {exc}") from None
    if found == dev_key_fingerprint():
        raise ValueError(f"{setting} holds the dev signing key ({found}), which is refused outside dev mode "
                         "whatever its kid: make a key of your own (docs/OPERATIONS.md)")


def new_private_key_pem() -> str:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@dataclass(frozen=True)
class Caller:
    """Who is calling: the OAuth client, its scopes and the LAs it may act for."""

    client_id: str
    scopes: frozenset[str]
    las: tuple[str, ...]

    def ensure_la(self, la: str, *, field: str = "local_authority") -> None:
        """Refuse to create or act on records of an LA outside the token (403 naming the field)."""
        if la not in self.las:
            raise Forbidden(
                f"{field}: this client may not act for local authority {la!r}",
                errors=[{"field": field, "message": f"not one of this client's local authorities: {la}"}],
            )


class TokenIssuer:
    def __init__(self, private_key_pem: str, *, kid: str, issuer: str, audience: str, ttl_seconds: int = 3600):
        self._key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        self.kid, self.issuer, self.audience, self.ttl = kid, issuer, audience, ttl_seconds

    def issue(self, *, client_id: str, scopes: list[str], las: list[str], now: float | None = None,
              expires_at: int | None = None) -> str:
        """A token for the client; ``expires_at`` shortens it (a token exchanged for one that expires sooner)."""
        now = int(now if now is not None else time.time())
        exp = now + self.ttl if expires_at is None else min(now + self.ttl, expires_at)
        claims = {
            "iss": self.issuer, "aud": self.audience, "sub": client_id, "iat": now, "nbf": now,
            "exp": exp, "scope": " ".join(scopes), "la": list(las),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})


@contextmanager
def refused_as_unauthorized() -> Iterator[None]:
    """A token pyjwt refuses (expired, not yet valid, bad signature, audience, issuer…) is a 401 saying why."""
    try:
        yield
    except jwt.ExpiredSignatureError:
        raise Unauthorized("token has expired") from None
    except jwt.ImmatureSignatureError:
        raise Unauthorized("token is not yet valid") from None
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid token: {exc}") from None


class TokenVerifier:
    """Verifies signature (EdDSA only, key chosen by kid), issuer, audience and times; caches good tokens."""

    def __init__(self, public_keys: dict[str, str], *, issuer: str, audience: str, cache_size: int = 10_000):
        if not public_keys:
            raise ValueError("at least one public key is required")
        self._keys = {kid: serialization.load_pem_public_key(pem.encode()) for kid, pem in public_keys.items()}
        self.issuer, self.audience = issuer, audience
        self._cache: dict[str, tuple[Caller, int]] = {}
        self._cache_size = cache_size

    def verify(self, token: str) -> Caller:
        hit = self._cache.get(token)
        if hit is not None and hit[1] > time.time():
            return hit[0]
        caller, exp = self._verify(token)
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[token] = (caller, exp)
        return caller

    def _verify(self, token: str) -> tuple[Caller, int]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"malformed token: {exc}") from None
        if header.get("alg") != ALGORITHM:
            raise Unauthorized(f"token algorithm {header.get('alg')!r} is not accepted")
        key = self._keys.get(header.get("kid", ""))
        if key is None:
            raise Unauthorized("token signed with an unknown key")
        with refused_as_unauthorized():
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[ALGORITHM], issuer=self.issuer, audience=self.audience,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]}, leeway=5,
            )
        las = claims.get("la")
        if not isinstance(las, list) or not all(isinstance(x, str) for x in las):
            raise Unauthorized("token has no valid 'la' claim")
        scope = claims.get("scope", "")
        caller = Caller(client_id=str(claims["sub"]), scopes=frozenset(str(scope).split()), las=tuple(las))
        return caller, int(claims["exp"])


def verifier_from(platform: PlatformSettings) -> TokenVerifier:
    """The check of the platform's own tokens: its configured public keys, or the dev key's in dev mode."""
    keys = platform.jwt_public_keys or {DEV_KID: public_key_pem(dev_private_key_pem())}
    return TokenVerifier(keys, issuer=platform.jwt_issuer, audience=platform.jwt_audience)


_bearer = HTTPBearer(auto_error=False, description="An access token from POST /oauth/token")


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    verifier: TokenVerifier = request.app.state.verifier
    try:
        return verifier.verify(credentials.credentials)
    except Unauthorized as exc:
        exc.headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        raise


def requires(*any_of: str) -> Any:
    """A dependency giving the caller, refusing (403) a token that holds none of ``any_of``."""

    async def _caller(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Security(_bearer)
    ) -> Caller:
        caller = authenticate(request, credentials)
        if not caller.scopes.intersection(any_of):
            raise Forbidden(f"this needs one of the scopes: {' '.join(any_of)}")
        return caller

    _caller.required_scopes = frozenset(any_of)  # read by the authorisation-matrix test
    return Depends(_caller)


def caller_with(*any_of: str) -> Any:
    """``Annotated`` alias: ``caller: caller_with("casework")``."""
    return Annotated[Caller, requires(*any_of)]
