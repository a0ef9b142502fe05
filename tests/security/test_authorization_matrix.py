"""OWASP API1/API5: every route refuses a caller without a token (401) and one without its scope (403).
The matrix is generated from the route table, so a new route without a scope check fails here."""
import pytest

from kit.auth import SCOPES
from kit.testing import LA, auth
from tests.security.routes import route_table


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    return route_table(tmp_path_factory.mktemp("routes"))


def test_every_business_route_requires_a_scope(routes):
    unguarded = [f"{r.method} {r.path}" for r in routes if r.scopes is None]
    assert not unguarded, f"routes without a scope check: {unguarded}"
    assert routes, "the route table is empty"


async def test_no_token_is_401_and_a_token_without_the_scope_is_403_on_every_route(platform, routes):
    checked = 0
    for r in routes:
        url = r.url()
        anonymous = await platform.client.request(r.method, url, json={})
        assert anonymous.status_code == 401, f"{r.method} {r.path} without a token: {anonymous.status_code}"
        others = [s for s in SCOPES if s not in r.scopes]
        if not others:
            continue
        wrong = await platform.client.request(r.method, url, json={}, headers=auth(*others, las=[LA]))
        assert wrong.status_code == 403, f"{r.method} {r.path} without {set(r.scopes)}: {wrong.status_code}"
        assert wrong.headers["content-type"].startswith("application/problem+json")
        checked += 1
    assert checked > 0
