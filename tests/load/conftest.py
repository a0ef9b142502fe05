import pytest

from kit.testing import RUN_ID, ensure_database, postgres_reason, unavailable


@pytest.fixture
async def url():
    """This run's own PostgreSQL database for the load tests (skipped, or failed under SENDPB_REQUIRE_SERVICES, when
    PostgreSQL does not answer)."""
    reason = await postgres_reason()
    if reason:
        unavailable(reason)
    return await ensure_database(f"sendpb_{RUN_ID}_load")
