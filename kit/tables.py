"""The tables every service carries in its own database: outbox, inbox and idempotency keys.

They are defined once here and created by each service's first migration (``kit.migrations.create_kit_tables``),
so the same Core statements work against any service's database.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, LargeBinary, MetaData, String, Table, Text

from kit.db import NAMING_CONVENTION

KIT_METADATA = MetaData(naming_convention=NAMING_CONVENTION)

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")

outbox = Table(
    "outbox", KIT_METADATA,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("type", String(120), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
)
Index("ix_outbox_unpublished", outbox.c.id, postgresql_where=outbox.c.published_at.is_(None),
      sqlite_where=outbox.c.published_at.is_(None))

inbox = Table(
    "inbox", KIT_METADATA,
    Column("consumer", String(80), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("type", String(120), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys", KIT_METADATA,
    Column("client_id", String(120), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
