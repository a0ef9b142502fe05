"""The gateway writes one JSON access line per request (issue 16: it wrote none): time, request id, client,
method, route, status, duration; never a token, a secret, a query string or a body."""
import json
import logging
from contextlib import contextmanager

from kit.logs import JsonFormatter


class Lines(logging.Handler):
    """What the production log handler writes: each record formatted as it is emitted (the request id is the
    request's context, gone once it has been answered)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def json_log():
    handler, logger = Lines(), logging.getLogger("sendpb")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def test_each_request_is_one_json_line_naming_the_client_and_never_the_token(platform):
    form = {"grant_type": "client_credentials", "client_id": "dev-casework", "client_secret": "dev-secret"}
    with json_log() as written:
        issued = await platform.client.post("/oauth/token", data=form, headers={"X-Request-ID": "req-token-1"})
        access_token = issued.json()["access_token"]
        await platform.client.get("/v1/budgets?child_id=child-secret-query",
                                  headers={"Authorization": f"Bearer {access_token}", "X-Request-ID": "req-list-2"})
        await platform.client.get("/v1/budgets/x", headers={"X-Request-ID": "req-anon-3"})
        await platform.client.post("/v1/budgets", json={"child_id": "body-secret"},
                                   headers={"Authorization": f"Bearer {access_token}", "X-Request-ID": "req-post-4"})

    entries = [json.loads(line) for line in written]
    lines = {e["request_id"]: e for e in entries if e["logger"] == "sendpb.access" and e["service"] == "gateway"}
    assert set(lines) == {"req-token-1", "req-list-2", "req-anon-3", "req-post-4"}, "one line per request"
    token_line, listed, anonymous, posted = (lines[k] for k in ("req-token-1", "req-list-2", "req-anon-3",
                                                                  "req-post-4"))
    assert token_line["route"] == "/oauth/token" and token_line["status"] == 200
    assert token_line["client"] == "dev-casework" and token_line["method"] == "POST"
    assert listed == {**listed, "route": "/v1/budgets", "status": 200, "client": "dev-casework", "method": "GET"}
    assert anonymous["status"] == 401 and "client" not in anonymous
    assert posted["status"] == 422 and posted["client"] == "dev-casework"
    for line in lines.values():
        assert line["ts"] and isinstance(line["duration_ms"], float)
    everything = "\n".join(written)
    for secret in (access_token, access_token.split(".")[2], "dev-secret", "child-secret-query", "body-secret"):
        assert secret not in everything
