"""Fixtures for the whole suite. ``backend`` runs a test twice: SQLite + in-memory bus, and PostgreSQL + RabbitMQ."""
import pytest

from kit.testing import cleanup, make_backend


def unlimited_gateway(**settings):
    """Gateway settings whose rate limits no test reaches by accident: the client buckets, and the signed-link
    pages' (a test opening a dozen tampered links is not guessing). The limits' own tests set theirs."""
    from gateway.settings import GatewaySettings, SignedLinkLimitSettings

    plenty = SignedLinkLimitSettings(pages_per_address_per_minute=10_000, forms_per_address_per_minute=10_000,
                                     openings_per_link_per_minute=10_000, failed_openings_per_address=10_000)
    return GatewaySettings(**{"rate_limit_per_second": 10_000, "rate_limit_burst": 10_000, "signed_links": plenty,
                              **settings})


@pytest.fixture(scope="session", autouse=True)
async def _drop_test_databases_and_vhost():
    yield
    await cleanup()


@pytest.fixture
def clock():
    """The platform's clock (``kit.clock``), set where a test's dates need it: ``clock.set_to(date(2026, 11, 25))``.
    Put back to the real time afterwards."""
    from kit import clock as platform_clock

    yield platform_clock
    platform_clock.reset()


@pytest.fixture(autouse=True)
def _real_clock_between_tests():
    yield
    from kit import clock as platform_clock

    platform_clock.reset()


@pytest.fixture(params=["memory", pytest.param("real", marks=pytest.mark.integration)])
async def backend(request, tmp_path):
    b = await make_backend(request.param, tmp_path)
    yield b
    await b.close()


@pytest.fixture
async def memory_backend(tmp_path):
    b = await make_backend("memory", tmp_path)
    yield b
    await b.close()


@pytest.fixture
async def real_backend(tmp_path):
    b = await make_backend("real", tmp_path)
    yield b
    await b.close()


@pytest.fixture
async def platform(tmp_path):
    """The whole embedded platform (gateway + five services, SQLite, in-memory bus) and an httpx client to the
    gateway. ``platform.client`` talks to http://gateway; ``platform.embedded`` reaches runtimes and the bus."""
    import httpx

    from kit.settings import PlatformSettings
    from sendpb.runner import build_embedded

    settings = PlatformSettings(data_dir=tmp_path, relay_poll_seconds=0.2, log_json=False)
    embedded = build_embedded(settings, unlimited_gateway())
    async with embedded.gateway.control.router.lifespan_context(embedded.gateway.control):
        transport = httpx.ASGITransport(app=embedded.gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield PlatformHandle(client, embedded)


class PlatformHandle:
    def __init__(self, client, embedded):
        self.client, self.embedded = client, embedded

    async def token(self, client_id: str = "dev-admin", scope: str | None = None) -> dict[str, str]:
        data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": "dev-secret"}
        if scope:
            data["scope"] = scope
        r = await self.client.post("/oauth/token", data=data)
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}
