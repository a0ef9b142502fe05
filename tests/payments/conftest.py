import random

import pytest

from kit import clock
from kit.testing import auth, running_service
from services.payments.app import create_app


@pytest.fixture
async def svc(memory_backend):
    """The payments service on SQLite and the in-memory bus."""
    async with running_service(create_app, memory_backend, service="payments") as running:
        yield running


@pytest.fixture
def today(monkeypatch):
    """Set the date the service's rules see (``kit.clock.today``; timestamps keep the real time):
    ``today(date(2027, 1, 1))``."""
    def set_to(day):
        monkeypatch.setattr(clock, "today", lambda: day)
    set_to(clock.today())
    return set_to


@pytest.fixture
def la_headers():
    """An LA code of the test's own (the PostgreSQL database is shared by the tests) and headers acting for it."""
    la = f"E99{random.randrange(10**6):06d}"
    return la, auth("casework", "finance", "read", las=[la])
