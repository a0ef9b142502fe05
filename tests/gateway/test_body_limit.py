"""Request bodies are capped (issue 16: a 10 MB body was read and parsed, and gateway memory grew): 413
problem+json before the body is read, from its Content-Length or, chunked, as soon as the cap is passed."""
import httpx

from gateway.settings import GatewaySettings
from kit.settings import PlatformSettings
from kit.testing import auth
from sendpb.runner import BY_NAME, build_embedded
from tests.gateway.raw import call

MiB = 1024 * 1024
CHUNK = 64 * 1024


def assert_too_large(r, limit: int = MiB) -> None:
    assert r.status == 413, (r.status, r.body[:300])
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == 413 and problem["type"].endswith("/payload-too-large")
    assert str(limit) in problem["detail"]


async def test_a_body_declared_over_the_cap_is_refused_before_it_is_read(platform):
    headers = [*(await platform.token()).items(), ("content-type", "application/json")]
    r = await call(platform.embedded.gateway, "POST", "/v1/budgets", headers=headers, body=b"x" * (10 * MiB))
    assert_too_large(r)
    assert r.received == 0, "the gateway read a body it had already refused"


async def test_a_chunked_body_is_cut_off_as_soon_as_it_passes_the_cap(platform):
    headers = [*(await platform.token()).items(), ("content-type", "application/json")]
    ten_mib = (b"y" * CHUNK for _ in range(160))
    r = await call(platform.embedded.gateway, "POST", "/v1/budgets", headers=headers, chunks=ten_mib)
    assert_too_large(r)
    assert r.received <= MiB + CHUNK, f"read {r.received} bytes of a body capped at {MiB}"
    assert [m["type"] for m in r.messages] == ["http.response.start", "http.response.body"], "one answer only"


async def test_the_token_endpoint_has_the_same_cap(platform):
    r = await call(platform.embedded.gateway, "POST", "/oauth/token", body=b"client_id=" + b"a" * (2 * MiB),
                   headers=[("content-type", "application/x-www-form-urlencoded")])
    assert_too_large(r)
    chunked = await call(platform.embedded.gateway, "POST", "/oauth/token",
                         headers=[("content-type", "application/x-www-form-urlencoded")],
                         chunks=(b"a" * CHUNK for _ in range(40)))
    assert_too_large(chunked)
    assert chunked.received <= MiB + CHUNK


async def test_the_cap_is_a_gateway_setting_and_smaller_bodies_pass(tmp_path):
    embedded = build_embedded(PlatformSettings(data_dir=tmp_path, log_json=False),
                              GatewaySettings(max_body_bytes=4096))
    async with embedded.gateway.control.router.lifespan_context(embedded.gateway.control):
        headers = [*auth("casework").items(), ("content-type", "application/json")]
        assert_too_large(await call(embedded.gateway, "POST", "/v1/budgets", headers=headers, body=b" " * 5000),
                         limit=4096)
        small = await call(embedded.gateway, "POST", "/v1/budgets", headers=headers, body=b"{}" + b" " * 3000)
        assert small.status == 422, "a body under the cap reaches the service, which validates it"


async def test_a_service_caps_bodies_itself(tmp_path):
    app = BY_NAME["budget"].create_app(PlatformSettings(data_dir=tmp_path, log_json=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://budget") as client:
        declared = await client.post("/v1/budgets", content=b"z" * (2 * MiB),
                                     headers={**auth("casework"), "content-type": "application/json"})
        assert declared.status_code == 413 and declared.json()["type"].endswith("/payload-too-large")

        async def stream():
            for _ in range(40):
                yield b"z" * CHUNK

        chunked = await client.post("/v1/budgets", content=stream(),
                                    headers={**auth("casework"), "content-type": "application/json"})
        assert chunked.status_code == 413
        assert chunked.headers["content-type"] == "application/problem+json"
        assert chunked.headers["x-request-id"]
