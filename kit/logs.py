"""Structured JSON logs carrying the request id and correlation id of the work in hand."""
from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# The request or event chain the current work belongs to; new events inherit it.
correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)

# A JWT in a path (a family's signed link, issue 20) is a credential: whoever reads the log could open the page.
_SIGNED_SEGMENT = re.compile(r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")


def loggable_path(path: str) -> str:
    """The path as logs keep it: a signed token in it (header.payload.signature) becomes ``<signed>``."""
    return _SIGNED_SEGMENT.sub("<signed>", path)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid, cid = request_id.get(), correlation_id.get()
        if rid:
            entry["request_id"] = rid
        if cid and cid != rid:
            entry["correlation_id"] = cid
        for key in ("service", "method", "path", "route", "status", "duration_ms", "client", "source", "reason"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO", *, json_logs: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_logs else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Held at WARNING whatever the level: the database drivers log SQL parameters (bank details among them).
    for quiet in ("aiormq", "aio_pika", "uvicorn.access", "sqlalchemy.engine", "sqlalchemy.pool", "aiosqlite",
                  "asyncpg"):
        logging.getLogger(quiet).setLevel(logging.WARNING)
