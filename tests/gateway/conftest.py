"""Fixtures of the gateway's tests."""
import os
import uuid

import pytest

from kit.testing import RUN_ID, unavailable

REDIS_URL = os.environ.get("SENDPB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def redis_url():
    """The real Redis: the test skips saying why when it does not answer, and fails under SENDPB_REQUIRE_SERVICES=1."""
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001
        unavailable(f"Redis unreachable at {REDIS_URL}: {type(exc).__name__}: {exc}")
    prefix = f"sendpb-test:{RUN_ID}:{uuid.uuid4().hex[:8]}:"
    yield REDIS_URL, prefix
    keys = [k async for k in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()
