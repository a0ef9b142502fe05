"""Served processes keep idle connections open longer than the gateway keeps its upstream connections, so the
gateway never sends a request on a connection the service is closing at that moment (a 502 under load)."""
from __future__ import annotations

import uvicorn

from gateway.upstream import HttpUpstream
from sendpb import cli


async def test_a_served_process_keeps_idle_connections_longer_than_the_gateway_keeps_them(monkeypatch, tmp_path):
    served: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(options))
    monkeypatch.setenv("SENDPB_MODE", "dev")
    monkeypatch.setenv("SENDPB_DATABASE_URL_TEMPLATE", f"sqlite+aiosqlite:///{tmp_path}/{{service}}.db")
    assert cli.main(["serve", "--target", "budget", "--port", "0"]) == 0
    upstream = HttpUpstream("budgets", "http://127.0.0.1:1", timeout=5, connections=4)
    try:
        gateway_keeps = upstream._client().connector._keepalive_timeout
    finally:
        await upstream.close()
    assert served["timeout_keep_alive"] > gateway_keeps
