"""Token errors are 401, a missing scope 403, another LA's record 404; bad input is problem+json naming the field."""
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kit.auth import DEV_KID, TokenIssuer, new_private_key_pem
from kit.testing import LA, OTHER_LA, auth, running_service, token
from tests.kit.probe.app import create_app


@pytest.fixture
async def probe(memory_backend):
    async with running_service(create_app, memory_backend, service="probe") as svc:
        yield svc.client


def bearer(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


def forged(**claims) -> str:
    now = int(time.time())
    base = {"iss": "sendpb-gateway", "aud": "sendpb", "sub": "x", "iat": now, "nbf": now, "exp": now + 60,
            "scope": "casework", "la": [LA]}
    base.update(claims)
    return jwt.encode(base, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": DEV_KID})


def unsigned() -> str:
    now = int(time.time())
    return jwt.encode({"iss": "sendpb-gateway", "aud": "sendpb", "sub": "x", "iat": now, "exp": now + 60,
                       "scope": "casework", "la": [LA]}, None, algorithm="none")


def dev_issuer(**kw) -> TokenIssuer:
    from kit.auth import dev_private_key_pem

    return TokenIssuer(dev_private_key_pem(), kid=kw.pop("kid", DEV_KID), issuer=kw.pop("issuer", "sendpb-gateway"),
                       audience=kw.pop("audience", "sendpb"), **kw)


# Each token is made when its test runs, not when the suite is collected: a token valid from "10 minutes from now"
# made at collection would be valid by the time a long suite reaches it.
@pytest.mark.parametrize("headers, why", [
    (lambda: {}, "a bearer token is required"),
    (lambda: bearer("not-a-jwt"), "malformed"),
    (lambda: bearer(token("casework", now=time.time() - 7200)), "expired"),
    (lambda: bearer(dev_issuer().issue(client_id="x", scopes=["casework"], las=[LA], now=time.time() + 600)),
     "not yet valid"),
    (lambda: bearer(forged()), "invalid token"),
    (lambda: bearer(unsigned()), "algorithm 'none'"),
    (lambda: bearer(dev_issuer(kid="rotated-away").issue(client_id="x", scopes=["casework"], las=[LA])),
     "unknown key"),
    (lambda: bearer(dev_issuer(audience="elsewhere").issue(client_id="x", scopes=["casework"], las=[LA])),
     "audience"),
    (lambda: bearer(dev_issuer(issuer="someone-else").issue(client_id="x", scopes=["casework"], las=[LA])),
     "issuer"),
    (lambda: bearer(TokenIssuer(new_private_key_pem(), kid=DEV_KID, issuer="sendpb-gateway", audience="sendpb")
                    .issue(client_id="x", scopes=["casework"], las=[LA])), "invalid token"),
], ids=["missing", "malformed", "expired", "not-yet-valid", "bad-signature", "alg-none", "unknown-kid",
        "wrong-audience", "wrong-issuer", "another-key-same-kid"])
async def test_a_bad_token_is_401_problem_json(probe, headers, why):
    r = await probe.post("/v1/probe/notes", json={"local_authority": LA, "text": "x"}, headers=headers())
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert why.lower() in r.json()["detail"].lower()
    assert r.headers["www-authenticate"].startswith("Bearer")


async def test_a_valid_token_without_the_scope_is_403(probe):
    r = await probe.post("/v1/probe/notes", json={"local_authority": LA, "text": "x"}, headers=auth("finance"))
    assert r.status_code == 403
    assert "casework" in r.json()["detail"]


async def test_creating_for_an_la_outside_the_token_is_403_naming_the_field(probe):
    r = await probe.post("/v1/probe/notes", json={"local_authority": OTHER_LA, "text": "x"},
                         headers=auth("casework"))
    assert r.status_code == 403
    assert r.json()["errors"][0]["field"] == "local_authority"


async def test_another_las_record_is_404(probe):
    created = await probe.post("/v1/probe/notes", json={"local_authority": LA, "text": "x"}, headers=auth("casework"))
    note = created.json()["id"]
    assert (await probe.get(f"/v1/probe/notes/{note}", headers=auth("read"))).status_code == 200
    other = await probe.get(f"/v1/probe/notes/{note}", headers=auth("casework", "read", las=[OTHER_LA]))
    assert other.status_code == 404
    assert other.json()["detail"] == f"note {note} was not found"


async def test_bad_input_is_422_problem_json_naming_each_field(probe):
    r = await probe.post("/v1/probe/notes", json={"local_authority": "Bucks", "text": ""}, headers=auth("casework"))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"].endswith("/validation") and body["status"] == 422
    assert {e["field"] for e in body["errors"]} == {"local_authority", "text"}


async def test_a_body_that_is_not_json_is_422_not_500(probe):
    r = await probe.post("/v1/probe/notes", content=b"{oops", headers={**auth("casework"),
                                                                       "content-type": "application/json"})
    assert r.status_code == 422


async def test_every_response_carries_a_request_id_and_echoes_the_callers(probe):
    r = await probe.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    assert len((await probe.get("/healthz")).headers["x-request-id"]) == 32
