"""Validated settings. Built once in an entrypoint and passed down; nothing here is read at import time."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, PrivateAttr, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kit.auth import refuse_dev_key
from kit.crypto import Keyring, KeyringError
from kit.db import Pool
from kit.oidc import OidcIssuer


def _without_empty(values: dict[str, Any]) -> dict[str, Any]:
    kept = {}
    for name, value in values.items():
        if isinstance(value, str) and not value.strip():
            continue
        kept[name] = _without_empty(value) if isinstance(value, dict) else value
    return kept


class Settings(BaseSettings):
    """The base of every settings class. An empty value means unset, everywhere: ``SENDPB_AMQP_URL=''`` is the
    same as no ``SENDPB_AMQP_URL`` (the default applies, and outside dev mode the checks refuse what is missing),
    never an empty URL that quietly selects the embedded backends. This holds for environment variables (a
    Kubernetes Secret key left blank, a Compose ``${VAR}`` that expanded to nothing), for keys of JSON objects in
    them, and for values given in code."""

    model_config = SettingsConfigDict(env_ignore_empty=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _empty_means_unset(cls, values: Any) -> Any:
        return _without_empty(values) if isinstance(values, dict) else values


# The default admission limit per pooled connection: a request holds a connection only while its transaction runs,
# so a few per connection keep the pool busy (the rest wait in the pool, up to its timeout) without queueing a
# backlog a starved process could not answer in time.
REQUESTS_PER_CONNECTION = 4


class PlatformSettings(Settings):
    """Settings every process shares (env prefix ``SENDPB_``).

    The run mode is only this: ``mode=dev`` with no ``database_url_template`` and no ``amqp_url`` gives the embedded
    platform (SQLite per service, in-memory bus); set both for the distributed one.
    """

    model_config = SettingsConfigDict(env_prefix="SENDPB_", env_nested_delimiter="__", extra="ignore")

    mode: Literal["dev", "prod"] = "dev"
    data_dir: Path = Path("var")
    # e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/sendpb_{service}; None means SQLite files under data_dir.
    database_url_template: str | None = None
    amqp_url: str | None = None  # None means the in-memory bus (one process only)
    # Deliveries in flight per consumer, and how many of them one group-committed transaction applies: a prefetch
    # of twice the batch lets the next batch arrive while one commits (bench/health_events.py).
    amqp_prefetch: int = Field(512, ge=1, le=10_000)
    consumer_batch_size: int = Field(256, ge=1, le=10_000)
    consumer_max_attempts: int = Field(5, ge=1, le=100)
    relay_batch_size: int = Field(500, ge=1, le=10_000)
    # Each service process's PostgreSQL pool and timeouts (kit.db.Pool; docs/OPERATIONS.md, "Sizing"): at most
    # db_pool_size + db_max_overflow connections; a transaction that finds none free within
    # db_pool_timeout_seconds is answered 503 with Retry-After (consumers wait and retry). Statement and lock
    # timeouts (0: none) end a statement or a lock wait on PostgreSQL; a request so ended is a 503 too.
    db_pool_size: int = Field(Pool.size, ge=1, le=500)
    db_max_overflow: int = Field(Pool.max_overflow, ge=0, le=500)
    db_pool_timeout_seconds: float = Field(Pool.timeout_seconds, gt=0, le=60)
    db_statement_timeout_seconds: float = Field(Pool.statement_timeout_seconds, ge=0)
    db_lock_timeout_seconds: float = Field(Pool.lock_timeout_seconds, ge=0)
    # Requests one service process works on at once (kit.middleware.AdmissionLimit); one more is answered 503 at
    # once with Retry-After instead of queueing behind the others. Unset: REQUESTS_PER_CONNECTION times the pool's
    # connections (db_pool_size + db_max_overflow), 60 with the defaults (docs/OPERATIONS.md, "Sizing").
    max_requests_in_flight: int | None = Field(None, ge=1, le=100_000)
    # Retention of the kit's tables (kit.housekeeping, docs/DATA.md): published events, Idempotency-Key records.
    outbox_retention_days: int = Field(7, ge=1, le=3650)
    idempotency_retention_days: int = Field(30, ge=1, le=3650)
    housekeeping_every_seconds: float = Field(3600.0, gt=0)
    relay_poll_seconds: float = Field(1.0, gt=0)
    migrate_on_start: bool = True
    jwt_issuer: str = "sendpb-gateway"
    jwt_audience: str = "sendpb"
    # {kid: PEM public key}. Empty in dev mode means the built-in dev key.
    jwt_public_keys: dict[str, str] = {}
    # Identity providers whose access tokens the gateway accepts and exchanges for its own (kit.oidc), a JSON list
    # of kit.oidc.OidcIssuer, e.g. [{"issuer": "https://login.microsoftonline.com/<tenant>/v2.0", ...}].
    oidc_issuers: list[OidcIssuer] = []
    log_level: str = "INFO"
    log_json: bool = True
    # Fault injection for tests/faults (dev mode only; docs/DEVELOPING.md): SIGKILL this process after the n-th
    # message its consumers committed and before it is acknowledged, or after the outbox relay's n-th published
    # batch and before the rows are marked sent.
    fault_kill_before_ack: int | None = Field(None, ge=1)
    fault_kill_after_publish: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _refuse_dev_defaults_outside_dev(self) -> PlatformSettings:
        issuers = [oidc.issuer for oidc in self.oidc_issuers]
        if self.jwt_issuer in issuers or len(set(issuers)) != len(issuers):
            raise ValueError("SENDPB_OIDC_ISSUERS: each issuer once, and none the gateway's own (SENDPB_JWT_ISSUER)")
        if self.mode != "dev":
            if not self.jwt_public_keys:
                raise ValueError("SENDPB_JWT_PUBLIC_KEYS must be set outside dev mode (the dev key is refused)")
            for kid, pem in self.jwt_public_keys.items():
                refuse_dev_key(pem, setting=f"SENDPB_JWT_PUBLIC_KEYS[{kid!r}]")
            if self.database_url_template is None:
                raise ValueError("SENDPB_DATABASE_URL_TEMPLATE must be set outside dev mode")
            if self.database_url_template.startswith("sqlite"):
                raise ValueError("SENDPB_DATABASE_URL_TEMPLATE: SQLite is the embedded dev mode's; outside dev "
                                 "mode give PostgreSQL")
            if self.amqp_url is None:
                raise ValueError("SENDPB_AMQP_URL must be set outside dev mode (the in-memory bus is dev only)")
            for oidc in self.oidc_issuers:
                if plain := [u for u in oidc.urls() if not u.startswith("https://")]:
                    raise ValueError(f"SENDPB_OIDC_ISSUERS: outside dev mode an issuer's URLs must be https: {plain}")
            if self.fault_kill_before_ack or self.fault_kill_after_publish:
                raise ValueError("SENDPB_FAULT_* settings inject crashes for the fault tests; dev mode only")
        return self

    @property
    def dev(self) -> bool:
        return self.mode == "dev"

    def pool(self) -> Pool:
        """The database pool every service process of this platform opens (``Database(url, pool=...)``)."""
        return Pool(size=self.db_pool_size, max_overflow=self.db_max_overflow,
                    timeout_seconds=self.db_pool_timeout_seconds,
                    statement_timeout_seconds=self.db_statement_timeout_seconds,
                    lock_timeout_seconds=self.db_lock_timeout_seconds)

    def requests_in_flight(self) -> int:
        """The admission limit of each service process: the setting, or a few requests per pooled connection
        (enough for those waiting their turn for one within the pool's timeout, no more)."""
        return self.max_requests_in_flight or REQUESTS_PER_CONNECTION * (self.db_pool_size + self.db_max_overflow)

    def keyring(self, keys: Mapping[str, SecretStr], current: str | None, *, setting: str) -> Keyring:
        """The keyring of a service's data at rest from its settings (``setting`` names them in errors). Empty in dev
        mode means the built-in dev key; outside dev mode the keys must be set and the dev key is refused, as the
        dev signing key is."""
        if not keys:
            if not self.dev:
                raise ValueError(f"{setting} must be set outside dev mode (the dev key is refused)")
            return Keyring.dev()
        try:
            keyring = Keyring.from_encoded({k: v.get_secret_value() for k, v in keys.items()}, current)
        except KeyringError as exc:
            raise ValueError(f"{setting}: {exc}") from None
        if not self.dev and keyring.holds_dev_key():
            raise ValueError(f"{setting} holds the dev key, which is refused outside dev mode")
        return keyring

    def database_url_for(self, service: str, override: str | None = None) -> str:
        if override:
            if not self.dev and override.startswith("sqlite"):
                raise ValueError(f"SENDPB_{service.upper()}_DATABASE_URL: SQLite is the embedded dev mode's; "
                                 "outside dev mode give PostgreSQL")
            return override
        if self.database_url_template:
            return self.database_url_template.format(service=service)
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{service}.db').resolve()}"


class ServiceSettings(Settings):
    """Per-service settings; each service subclasses this with its own env prefix (``SENDPB_<SERVICE>_``)."""

    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = Field(1024 * 1024, ge=1024)  # larger request bodies are refused with 413 (kit.middleware)


class FamilyLinkSettings(ServiceSettings):
    """Settings of a service that issues family links (issue 20): the secret that signs them (HMAC-SHA256; at least
    32 characters; unset means the dev secret in dev mode and refuses to start outside it) and the public address
    of the gateway families open them at (https outside dev mode). ``FAMILY_LINK_SECRET_SETTING`` names the
    environment variable in the refusal."""

    FAMILY_LINK_SECRET_SETTING: ClassVar[str] = "SENDPB_FAMILY_LINK_SECRET"
    family_link_secret: SecretStr | None = None
    family_link_base_url: str = "http://127.0.0.1:8000"
    _family_link_key: bytes | None = PrivateAttr(None)

    def bound_to(self, platform: PlatformSettings) -> Self:
        """These settings with the family-link key for the platform's mode (the dev key refused outside dev)."""
        from kit.family import link_key

        bound = self.model_copy()
        secret = self.family_link_secret.get_secret_value() if self.family_link_secret else None
        bound._family_link_key = link_key(secret, dev=platform.dev, base_url=self.family_link_base_url,
                                          setting=self.FAMILY_LINK_SECRET_SETTING)
        return bound

    @property
    def family_link_key(self) -> bytes:
        if self._family_link_key is None:
            raise RuntimeError(f"{type(self).__name__} has no family-link key yet: use settings.bound_to(platform)")
        return self._family_link_key
