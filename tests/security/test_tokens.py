"""OWASP API2: every kind of bad token is 401 at the gateway, and again at a service called directly (a service
never trusts that the gateway checked). The kit's own checks are in tests/kit/test_auth_and_errors.py on a probe
app; this file holds the same attacks against the real platform, and the two the kit file does not try: a valid
token whose claims were edited after signing, and an HS256 token keyed with the public key (algorithm confusion)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx
import jwt
import pytest

from kit.auth import DEV_KID, TokenIssuer, dev_private_key_pem, new_private_key_pem, public_key_pem
from kit.testing import LA, OTHER_LA

ISSUER, AUDIENCE = "sendpb-gateway", "sendpb"


def _issuer(**kw) -> TokenIssuer:
    return TokenIssuer(kw.pop("key", dev_private_key_pem()), kid=kw.pop("kid", DEV_KID),
                       issuer=kw.pop("issuer", ISSUER), audience=kw.pop("audience", AUDIENCE))


def _valid(**kw) -> str:
    return _issuer(**kw).issue(client_id="dev-casework", scopes=["read"], las=[LA], now=kw.get("now"))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _tampered(**changes) -> str:
    """A token the gateway signed, with its claims edited and the signature kept."""
    header, payload, signature = _valid().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    return ".".join([header, _b64(json.dumps(claims).encode()), signature])


def _claims(**drop_or_set) -> dict:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "dev-casework", "iat": now, "nbf": now, "exp": now + 600,
              "scope": "read", "la": [LA]}
    for name, value in drop_or_set.items():
        if value is None:
            claims.pop(name)
        else:
            claims[name] = value
    return claims


def _signed(claims: dict) -> str:
    return jwt.encode(claims, dev_private_key_pem(), algorithm="EdDSA", headers={"kid": DEV_KID})


def _hs256_with_the_public_key() -> str:
    """Algorithm confusion: HMAC keyed with the verifier's public key, which anyone can know."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": DEV_KID}).encode())
    payload = _b64(json.dumps(_claims(scope="read finance casework")).encode())
    key = public_key_pem(dev_private_key_pem()).encode()
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


BAD_TOKENS = {
    "expired": (lambda: _valid(now=time.time() - 7200), "expired"),
    "not-yet-valid": (lambda: _valid(now=time.time() + 600), "not yet valid"),
    "wrong-audience": (lambda: _valid(audience="another-api"), "audience"),
    "wrong-issuer": (lambda: _valid(issuer="someone-else"), "issuer"),
    "tampered-scope": (lambda: _tampered(scope="read finance panel"), "invalid token"),
    "tampered-la": (lambda: _tampered(la=[LA, OTHER_LA]), "invalid token"),
    "tampered-expiry": (lambda: _tampered(exp=int(time.time()) + 10 * 365 * 86400), "invalid token"),
    "alg-none": (lambda: jwt.encode(_claims(), None, algorithm="none"), "algorithm 'none'"),
    "alg-hs256-keyed-with-the-public-key": (_hs256_with_the_public_key, "algorithm 'HS256'"),
    "unknown-key": (lambda: _valid(kid="rotated-away"), "unknown key"),
    "another-key-same-kid": (lambda: _valid(key=new_private_key_pem()), "invalid token"),
    "no-expiry": (lambda: _signed(_claims(exp=None)), "exp"),
    "no-la-claim": (lambda: _signed(_claims(la=None)), "'la'"),
}


@pytest.fixture
async def service(platform):
    """The budget service's app called directly, past the gateway."""
    app = platform.embedded.apps["budget"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://budget") as client:
        yield client


@pytest.mark.parametrize("name", BAD_TOKENS)
async def test_a_bad_token_is_401_at_the_gateway_and_at_the_service(platform, service, name):
    make, why = BAD_TOKENS[name]
    headers = {"Authorization": f"Bearer {make()}"}
    for where, client in (("gateway", platform.client), ("service", service)):
        r = await client.get("/v1/budgets", params={"child_id": "C-1"}, headers=headers)
        assert r.status_code == 401, f"{where}: {r.status_code} {r.text}"
        assert r.headers["content-type"].startswith("application/problem+json"), where
        assert why.lower() in r.json()["detail"].lower(), f"{where}: {r.json()['detail']}"
        assert r.headers["www-authenticate"].startswith("Bearer"), where


async def test_the_same_request_with_a_good_token_is_200_at_both(platform, service):
    """The control: what the bad tokens are refused for is the token, not the request."""
    headers = {"Authorization": f"Bearer {_valid()}"}
    for client in (platform.client, service):
        r = await client.get("/v1/budgets", params={"child_id": "C-1"}, headers=headers)
        assert r.status_code == 200, r.text
