"""POST /oauth/token as RFC 6749 has it (HTTP Basic, which servers MUST support, besides the form; the RFC's error
codes), and throttled against guessing (issue 16: 600 wrong secrets in a row were 600 × 401, unlogged, and held
another client's token request for 5 s)."""
import asyncio
import base64
import json
import logging
import time
from urllib.parse import quote_plus

import httpx
import pytest

from gateway.clients import hash_secret
from gateway.settings import ClientConfig, GatewaySettings
from kit.logs import JsonFormatter
from kit.settings import PlatformSettings
from sendpb.runner import build_embedded

GRANT = {"grant_type": "client_credentials"}


def basic(client_id: str, secret: str) -> dict[str, str]:
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


async def test_a_client_authenticates_with_http_basic(platform):
    r = await platform.client.post("/oauth/token", data=GRANT, headers=basic("dev-casework", "dev-secret"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "casework read"
    assert platform.embedded.gateway.verifier.verify(body["access_token"]).client_id == "dev-casework"
    assert r.headers["cache-control"] == "no-store"


async def test_basic_credentials_are_form_encoded_before_base64(tmp_path):
    """RFC 6749 §2.3.1: the id and secret are application/x-www-form-urlencoded, so ':' and '%' survive."""
    client = ClientConfig(client_id="bucks cms:1", secret_hash=hash_secret("p@ss:w%rd é"), scopes=["casework"],
                          las=["E06000060"])
    async with gateway_client(tmp_path, GatewaySettings(clients=[client])) as gw:
        r = await gw.post("/oauth/token", data=GRANT, headers=basic("bucks cms:1", "p@ss:w%rd é"))
        assert r.status_code == 200, r.text
        assert r.json()["scope"] == "casework"


async def test_a_wrong_secret_by_basic_is_invalid_client_with_a_basic_challenge(platform):
    r = await platform.client.post("/oauth/token", data=GRANT, headers=basic("dev-casework", "wrong"))
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"
    assert r.headers["www-authenticate"].startswith("Basic")
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_the_form_fields_work_as_they_always_did(platform):
    r = await platform.client.post("/oauth/token", data={**GRANT, "client_id": "dev-finance",
                                                         "client_secret": "dev-secret", "scope": "read"})
    assert r.status_code == 200 and r.json()["scope"] == "read"
    wrong = await platform.client.post("/oauth/token", data={**GRANT, "client_id": "dev-finance",
                                                             "client_secret": "nope"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


@pytest.mark.parametrize("data, headers, status, error", [
    ({}, basic("dev-admin", "dev-secret"), 400, "invalid_request"),                          # no grant_type
    ({"grant_type": "password"}, basic("dev-admin", "dev-secret"), 400, "unsupported_grant_type"),
    ({**GRANT, "client_secret": "dev-secret"}, basic("dev-admin", "dev-secret"), 400, "invalid_request"),  # both
    ({**GRANT, "client_id": "dev-finance"}, basic("dev-admin", "dev-secret"), 400, "invalid_request"),
    (GRANT, {}, 401, "invalid_client"),                                                      # no authentication
    (GRANT, {"Authorization": "Basic not-base64!"}, 401, "invalid_client"),
    ({**GRANT, "client_id": "dev-admin"}, {}, 400, "invalid_request"),                       # no secret
    ({**GRANT, "scope": "casework panel"}, basic("dev-casework", "dev-secret"), 400, "invalid_scope"),
    ({**GRANT, "client_id": "x" * 121, "client_secret": "s"}, {}, 400, "invalid_request"),
])
async def test_refusals_carry_the_rfc_error_codes(platform, data, headers, status, error):
    r = await platform.client.post("/oauth/token", data=data, headers=headers)
    assert r.status_code == status, r.text
    assert r.json()["error"] == error and r.json()["status"] == status
    assert r.headers["cache-control"] == "no-store"
    if status == 401:
        assert r.headers["www-authenticate"].startswith("Basic")


async def test_a_repeated_parameter_is_invalid_request(platform):
    r = await platform.client.post("/oauth/token", headers={"content-type": "application/x-www-form-urlencoded"},
                                   content=b"grant_type=client_credentials&client_id=dev-admin&client_id=dev-icb"
                                           b"&client_secret=dev-secret")
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


# ---------------------------------------------------------------- throttling failures
class gateway_client:
    """The embedded platform with these gateway settings; an httpx client calling from ``source``."""

    def __init__(self, tmp_path, settings: GatewaySettings) -> None:
        self.embedded = build_embedded(PlatformSettings(data_dir=tmp_path, log_json=False), settings)
        self.clients: list[httpx.AsyncClient] = []

    def source(self, address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.embedded.gateway, client=(address, 40000))
        client = httpx.AsyncClient(transport=transport, base_url="http://gw")
        self.clients.append(client)
        return client

    async def post(self, url: str, **kw) -> httpx.Response:
        """From 127.0.0.1."""
        return await self._local.post(url, **kw)

    async def __aenter__(self) -> "gateway_client":
        self._lifespan = self.embedded.gateway.control.router.lifespan_context(self.embedded.gateway.control)
        await self._lifespan.__aenter__()
        self._local = self.source("127.0.0.1")
        return self

    async def __aexit__(self, *exc) -> None:
        for client in self.clients:
            await client.aclose()
        await self._lifespan.__aexit__(*exc)


def wrong(client_id: str, secret: str = "guess") -> dict[str, str]:
    return {**GRANT, "client_id": client_id, "client_secret": secret}


async def test_a_guessed_client_is_throttled_and_every_failure_logged_without_the_secret(tmp_path, caplog):
    settings = GatewaySettings(token_failures_per_client=5, token_failures_per_source=100)
    async with gateway_client(tmp_path, settings) as gw:
        attacker = gw.source("203.0.113.9")
        with caplog.at_level(logging.INFO, logger="sendpb"):
            codes = [(await attacker.post("/oauth/token", data=wrong("dev-finance", f"secret-{i}"))).status_code
                     for i in range(8)]
        assert codes == [401] * 5 + [429] * 3
        throttled = await attacker.post("/oauth/token", data=wrong("dev-finance"))
        assert throttled.headers["retry-after"].isdigit() and int(throttled.headers["retry-after"]) >= 1
        assert throttled.json()["status"] == 429
        # The client id is held whatever the secret and wherever from: its bucket refills over the window.
        elsewhere = await gw.source("198.51.100.7").post("/oauth/token", data=wrong("dev-finance", "dev-secret"))
        assert elsewhere.status_code == 429
        other = await attacker.post("/oauth/token", data=wrong("dev-casework", "dev-secret"))
        assert other.status_code == 200, "another client from the same address is not held"

    refusals = [json.loads(JsonFormatter().format(r)) for r in caplog.records
                if r.name == "sendpb.gateway.token"]
    assert [(r["client"], r["source"], r["reason"]) for r in refusals] == [
        *[("dev-finance", "203.0.113.9", "unknown client or wrong secret")] * 5,
        *[("dev-finance", "203.0.113.9", "throttled")] * 4, ("dev-finance", "198.51.100.7", "throttled")]
    assert not any("secret-" in r.getMessage() or "secret-" in JsonFormatter().format(r) for r in caplog.records)


async def test_one_address_guessing_many_clients_is_throttled(tmp_path):
    settings = GatewaySettings(token_failures_per_client=5, token_failures_per_source=6)
    async with gateway_client(tmp_path, settings) as gw:
        attacker = gw.source("203.0.113.10")
        codes = [(await attacker.post("/oauth/token", data=wrong(f"client-{i}"))).status_code for i in range(8)]
        assert codes == [401] * 6 + [429] * 2
        ok = await gw.source("198.51.100.8").post("/oauth/token", data=wrong("dev-icb", "dev-secret"))
        assert ok.status_code == 200


async def test_successes_do_not_count_and_the_bucket_refills(tmp_path):
    settings = GatewaySettings(token_failures_per_client=2, token_failure_window_seconds=1)
    async with gateway_client(tmp_path, settings) as gw:
        for _ in range(5):
            assert (await gw.post("/oauth/token", data=wrong("dev-admin", "dev-secret"))).status_code == 200
        assert [(await gw.post("/oauth/token", data=wrong("dev-admin"))).status_code for _ in range(3)] == \
            [401, 401, 429]
        await asyncio.sleep(1.1)
        assert (await gw.post("/oauth/token", data=wrong("dev-admin", "dev-secret"))).status_code == 200


async def test_a_flood_of_wrong_secrets_leaves_other_clients_fast(tmp_path):
    """Failed attempts are refused before the secret is hashed, so a flood does not queue up scrypt work in front
    of other clients. The bound is generous: unthrottled, the request below waited behind ~150 scrypt hashes."""
    async with gateway_client(tmp_path, GatewaySettings()) as gw:
        attacker = gw.source("203.0.113.11")
        flood = asyncio.gather(*(attacker.post("/oauth/token", data=wrong("dev-finance", f"s{i}"))
                                 for i in range(150)))
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        r = await gw.source("198.51.100.9").post("/oauth/token", data=wrong("dev-casework", "dev-secret"))
        elapsed = time.perf_counter() - started
        codes = [x.status_code for x in await flood]
    assert r.status_code == 200
    assert elapsed < 3.0, f"another client's token took {elapsed:.2f}s during the flood"
    assert codes.count(401) <= 10 and codes.count(429) >= 140
