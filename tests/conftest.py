"""Fixtures for the whole suite. ``backend`` runs a test twice: SQLite + in-memory bus, and PostgreSQL + RabbitMQ."""
import pytest

from kit.testing import cleanup, make_backend


@pytest.fixture(scope="session", autouse=True)
async def _drop_test_databases_and_vhost():
    yield
    await cleanup()


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
