"""One RAS service on SQLite + the in-memory bus, shared by a module's API tests (each uses fresh ids)."""
import pytest

from kit.testing import make_backend, running_service
from services.ras.app import create_app


@pytest.fixture(scope="module")
async def ras(tmp_path_factory):
    backend = await make_backend("memory", tmp_path_factory.mktemp("ras"))
    async with running_service(create_app, backend, service="ras") as svc:
        yield svc
    await backend.close()
