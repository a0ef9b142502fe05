import pytest

from kit.testing import running_service
from services.payments import clock
from services.payments.app import create_app


@pytest.fixture
async def svc(memory_backend):
    """The payments service on SQLite and the in-memory bus."""
    async with running_service(create_app, memory_backend, service="payments") as running:
        yield running


@pytest.fixture
def today(monkeypatch):
    """Set the service's date: ``today(date(2027, 1, 1))``."""
    def set_to(day):
        monkeypatch.setattr(clock, "today", lambda: day)
    set_to(clock.today())
    return set_to
