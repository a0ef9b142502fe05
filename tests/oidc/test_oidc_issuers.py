"""Access tokens of the council's own identity provider (issue 16), against a real OpenID provider (oidc-provider,
started here) and the distributed platform (gateway and services in processes of their own, PostgreSQL, RabbitMQ):
the gateway checks them and exchanges them for its own, which the services trust."""
from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from gateway.app import create_gateway
from gateway.settings import GatewaySettings
from gateway.upstream import InProcessUpstream
from kit.oidc import OidcIssuer
from kit.settings import PlatformSettings
from kit.testing import LA, LA2
from tests.distributed import distributed_platform, free_port
from tests.eligibility.helpers import body
from tests.oidc.provider import RESOURCE, OpenIdProvider, rsa_key, sign

pytestmark = pytest.mark.integration
REFRESH_SECONDS = 3.0   # jwks_min_refresh_seconds of the test issuer


def issuer_config(issuer: str, **overrides) -> dict:
    """How an operator maps this provider's tokens: its scope names to the platform's, its council names to LAs."""
    return {"issuer": issuer, "name": "council-idp", "audience": RESOURCE, "client_claim": "client_id",
            "scope_claim": "scope", "scope_map": {"sendpb.casework": ["casework"], "sendpb.read": ["read"]},
            "la_claim": "councils", "la_map": {"bucks": [LA], "cheshire-east": [LA2]},
            "leeway_seconds": 0, "jwks_min_refresh_seconds": REFRESH_SECONDS, **overrides}


@pytest.fixture(scope="module")
async def provider(tmp_path_factory):
    p = await OpenIdProvider([rsa_key("k1")], tmp_path_factory.mktemp("idp") / "provider.log").start()
    yield p
    await p.stop()


@pytest.fixture(scope="module")
async def stranger(tmp_path_factory):
    """Another provider, which the platform does not trust, issuing tokens for the same audience."""
    p = await OpenIdProvider([rsa_key("k1")], tmp_path_factory.mktemp("idp") / "stranger.log").start()
    yield p
    await p.stop()


@pytest.fixture(scope="module")
async def gateway(provider, tmp_path_factory):
    env = {"SENDPB_OIDC_ISSUERS": json.dumps([issuer_config(provider.issuer)])}
    async with distributed_platform(tmp_path_factory.mktemp("logs"), extra_env=env) as (client, _, _):
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_token_from_the_councils_provider_works_through_the_gateway_with_the_mapped_scopes_and_las(
        provider, gateway):
    token = await provider.token("bucks-cms", scope="sendpb.casework sendpb.read sendpb.finance")
    created = await gateway.post("/v1/eligibility/requests", json=body(), headers=bearer(token))
    assert created.status_code == 201, created.text
    shown = await gateway.get(f"/v1/eligibility/requests/{created.json()['id']}", headers=bearer(token))
    assert shown.status_code == 200 and shown.json()["status"] == created.json()["status"]

    other_la = await gateway.post("/v1/eligibility/requests", json=body(local_authority=LA2), headers=bearer(token))
    assert other_la.status_code == 403 and "E06000049" in other_la.json()["detail"]   # bucks maps to E06000060 only
    finance = await gateway.post("/v1/payments/runs", json={"local_authority": LA, "run_date": "2026-12-01"},
                                 headers=bearer(token))
    assert finance.status_code == 403   # sendpb.finance is granted there but mapped to nothing here

    both = await provider.token("two-councils")
    assert (await gateway.post("/v1/eligibility/requests", json=body(local_authority=LA2),
                               headers=bearer(both))).status_code == 201
    read_only = await provider.token("bucks-cms", scope="sendpb.read")
    refused = await gateway.post("/v1/eligibility/requests", json=body(), headers=bearer(read_only))
    assert refused.status_code == 403 and "casework" in refused.json()["detail"]


async def test_after_the_provider_rotates_its_key_tokens_signed_with_the_new_one_are_accepted(provider, gateway):
    old = await provider.token()
    assert (await gateway.get("/v1/eligibility/requests?child_id=C-1", headers=bearer(old))).status_code == 200

    fetches = await provider.jwks_fetches()
    made_up = rsa_key("made-up-kid")   # unknown kids refetch the keys at most once per interval
    forged = [sign({"iss": provider.issuer, "aud": RESOURCE, "exp": int(time.time()) + 60, "client_id": "x",
                    "councils": ["bucks"], "scope": "sendpb.read"}, made_up) for _ in range(5)]
    for token in forged:
        r = await gateway.get("/v1/eligibility/requests?child_id=C-1", headers=bearer(token))
        assert r.status_code == 401 and "does not publish" in r.json()["detail"]
    assert await provider.jwks_fetches() - fetches <= 1

    await provider.rotate([rsa_key("k2"), *provider.keys])
    new = await provider.token()
    await asyncio.sleep(REFRESH_SECONDS + 0.5)
    before = await provider.jwks_fetches()
    assert (await gateway.get("/v1/eligibility/requests?child_id=C-1", headers=bearer(new))).status_code == 200
    assert await provider.jwks_fetches() == before + 1
    assert (await gateway.get("/v1/eligibility/requests?child_id=C-1", headers=bearer(old))).status_code == 200


async def test_a_token_for_another_audience_is_refused(provider, gateway):
    token = await provider.token(resource="api://another-system")
    r = await gateway.get("/v1/eligibility/requests?child_id=C-1", headers=bearer(token))
    assert r.status_code == 401 and "audience" in r.json()["detail"].lower()


async def test_a_token_of_another_issuer_is_refused(provider, stranger, gateway):
    theirs = await stranger.token()
    r = await gateway.get("/v1/eligibility/requests?child_id=C-1", headers=bearer(theirs))
    assert r.status_code == 401
    # and one claiming to be from the trusted provider, signed with the stranger's key under the same kid
    claims = {"iss": provider.issuer, "aud": RESOURCE, "exp": int(time.time()) + 60, "client_id": "bucks-cms",
              "councils": ["bucks"], "scope": "sendpb.casework sendpb.read"}
    r = await gateway.get("/v1/eligibility/requests?child_id=C-1", headers=bearer(sign(claims, stranger.keys[0])))
    assert r.status_code == 401 and "signature" in r.json()["detail"].lower()


async def test_an_expired_token_is_refused(provider, gateway):
    token = await provider.token("short-lived")   # the provider gives this client 2-second tokens
    assert (await gateway.get("/v1/eligibility/requests?child_id=C-1", headers=bearer(token))).status_code == 200
    await asyncio.sleep(3)
    r = await gateway.get("/v1/eligibility/requests?child_id=C-1", headers=bearer(token))
    assert r.status_code == 401 and "expired" in r.json()["detail"]


async def test_the_gateways_own_tokens_still_work_beside_the_providers(gateway):
    r = await gateway.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "dev-casework",
                                                 "client_secret": "dev-secret"})
    own = r.json()["access_token"]
    assert (await gateway.get("/v1/eligibility/requests?child_id=C-1", headers=bearer(own))).status_code == 200


async def test_a_provider_that_cannot_be_reached_is_a_503_and_lets_nothing_through():
    async def service(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"reached"})

    down = f"http://127.0.0.1:{free_port()}"
    platform = PlatformSettings(log_json=False, oidc_issuers=[issuer_config(down)])
    app = create_gateway(platform, GatewaySettings(), {"ras": InProcessUpstream("ras", service)})
    token = sign({"iss": down, "aud": RESOURCE, "exp": int(time.time()) + 60, "client_id": "x",
                  "councils": ["bucks"]}, rsa_key("k1"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        r = await client.get("/v1/ras/models", headers=bearer(token))
    assert r.status_code == 503 and down in r.json()["detail"]


@pytest.mark.parametrize(("change", "message"), [
    ({"algorithms": ["HS256"]}, "algorithms must be among"),
    ({"scope_map": {"Sendpb.Admin": ["admin"]}}, "not platform scopes: admin"),
    ({"la_map": {"bucks": ["Buckinghamshire"]}}, "not LA codes"),
    ({"la_claim": None, "la_map": {}}, "give las, or la_claim"),
])
def test_an_issuer_configured_wrongly_is_refused_with_the_reason(change, message):
    with pytest.raises(ValueError, match=message):
        OidcIssuer(**issuer_config("https://login.example/tenant/v2.0", **change))


def test_outside_dev_mode_an_issuer_must_be_reached_over_https():
    from tests.kit.test_prod_checks import prod

    with pytest.raises(ValueError, match="must be https"):
        prod(oidc_issuers=[issuer_config("http://keycloak.internal/realms/council")])
    assert prod(oidc_issuers=[issuer_config("https://keycloak.internal/realms/council")]).oidc_issuers
    with pytest.raises(ValueError, match="none the gateway's own"):
        PlatformSettings(oidc_issuers=[issuer_config("sendpb-gateway")])


@pytest.mark.parametrize(("config", "claims", "expected"), [
    ({"scope_claim": "roles", "scope_map": {"SendPB.Casework": ["casework", "read"]}, "la_claim": None,
      "las": [LA]},
     {"roles": ["SendPB.Casework", "Other.App"]}, ({"casework", "read"}, (LA,))),
    ({"scope_claim": "scp", "scope_map": None, "la_map": {}},
     {"scp": "read finance admin", "councils": [LA2, "not-a-code"]}, ({"read", "finance"}, (LA2,))),
    ({"las": [LA]}, {"scope": "sendpb.read", "councils": "cheshire-east"}, ({"read"}, (LA, LA2))),
])
def test_scopes_and_las_are_mapped_from_the_providers_claims_as_configured(config, claims, expected):
    from kit.oidc import ExternalIssuer

    issuer = ExternalIssuer(OidcIssuer(**issuer_config("https://idp.example", **config)))
    caller = issuer._caller({"client_id": "cms", **claims})
    assert (set(caller.scopes), caller.las) == expected and caller.client_id == "council-idp:cms"


def test_only_the_listed_clients_and_tokens_naming_a_council_are_accepted():
    from kit.errors import Unauthorized
    from kit.oidc import ExternalIssuer

    issuer = ExternalIssuer(OidcIssuer(**issuer_config("https://idp.example", clients=["cms"])))
    with pytest.raises(Unauthorized, match="not one this platform accepts"):
        issuer._caller({"client_id": "someone-else", "councils": ["bucks"]})
    with pytest.raises(Unauthorized, match="maps to no local authority"):
        issuer._caller({"client_id": "cms", "councils": ["rotherham"]})
    with pytest.raises(Unauthorized, match="too long"):
        ExternalIssuer(OidcIssuer(**issuer_config("https://idp.example")))._caller(
            {"client_id": "x" * 200, "councils": ["bucks"]})
