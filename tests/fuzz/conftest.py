from contextlib import asynccontextmanager

import pytest

from tests.conftest import PlatformHandle
from tests.fuzz.harness import REPORT, embedded_platform


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
async def either_platform(request, tmp_path_factory):
    """The embedded platform on SQLite, then on PostgreSQL (one per module and backend), as the ``platform``
    fixture gives it (``.client``, ``.token()``, ``.embedded``, and ``.backend``)."""
    async with _platform(request.param, tmp_path_factory) as handle:
        yield handle


@pytest.fixture(scope="module")
async def postgresql_platform(tmp_path_factory):
    """The embedded platform on PostgreSQL, for findings PostgreSQL alone shows; mark its tests integration."""
    async with _platform("postgresql", tmp_path_factory) as handle:
        yield handle


@asynccontextmanager
async def _platform(backend, tmp_path_factory):
    async with embedded_platform(backend, tmp_path_factory.mktemp(f"findings-{backend}")) as (embedded, client):
        handle = PlatformHandle(client, embedded)
        handle.backend = backend
        yield handle


def pytest_terminal_summary(terminalreporter):
    """What the fuzzing did, spec by spec: operations, examples, which operations answered 2xx, statuses."""
    if not REPORT:
        return
    terminalreporter.section("fuzz")
    for figures in REPORT:
        terminalreporter.write_line(figures.line())
        if never := figures.never_2xx():
            terminalreporter.write_line(f"  never 2xx (a 4xx every time): {', '.join(never)}")
    total = sum(sum(f.examples.values()) for f in REPORT)
    terminalreporter.write_line(f"fuzz total: {sum(f.operations for f in REPORT)} operations, {total} examples")
