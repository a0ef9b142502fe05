from contextlib import AsyncExitStack

import pytest

from tests.conftest import PlatformHandle
from tests.fuzz.harness import REPORT, embedded_platform


@pytest.fixture(scope="module")
async def platforms(tmp_path_factory):
    """``await platforms(backend)``: the embedded platform on "sqlite" or "postgresql" as the ``platform`` fixture
    gives it (``.client``, ``.token()``, ``.embedded``, and ``.backend``), started when a test of the module first
    asks for it and shared by the module's tests, so a module never runs two platforms on the same databases."""
    async with AsyncExitStack() as stack:
        started: dict[str, PlatformHandle] = {}

        async def get(backend: str) -> PlatformHandle:
            if backend not in started:
                data_dir = tmp_path_factory.mktemp(f"fuzz-{backend}")
                embedded, client = await stack.enter_async_context(embedded_platform(backend, data_dir))
                started[backend] = PlatformHandle(client, embedded)
                started[backend].backend = backend
            return started[backend]

        yield get


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
async def either_platform(request, platforms):
    """The test runs on the SQLite platform, then on the PostgreSQL one."""
    return await platforms(request.param)


@pytest.fixture
async def postgresql_platform(platforms):
    """The PostgreSQL platform alone, for what PostgreSQL alone shows; mark its tests integration."""
    return await platforms("postgresql")


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
