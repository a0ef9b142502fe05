from __future__ import annotations

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import SettingsConfigDict

from kit.middleware import MAX_BODY_BYTES
from kit.settings import Settings

DEFAULT_UPSTREAMS = {
    "eligibility": "http://127.0.0.1:8001",
    "ras": "http://127.0.0.1:8002",
    "budgets": "http://127.0.0.1:8003",
    "payments": "http://127.0.0.1:8004",
    "contracts": "http://127.0.0.1:8005",
}


class ClientConfig(BaseModel):
    """An OAuth client. ``secret_hash`` comes from ``sendpb hash-secret``; the secret itself is never stored."""

    client_id: str = Field(min_length=1, max_length=120)
    secret_hash: str = Field(pattern=r"^scrypt\$")
    scopes: list[str]
    las: list[str] = Field(min_length=1)


class SignedLinkLimitSettings(BaseModel):
    """The pages a family opens from a signed link, without an account (gateway/public_pages.py): env
    ``SENDPB_GATEWAY_SIGNED_LINKS__<FIELD>``. Each bucket holds its whole allowance at once and refills evenly."""

    pages_per_address_per_minute: int = Field(60, ge=1)     # page and PDF reads from one source address
    forms_per_address_per_minute: int = Field(10, ge=1)     # form posts (challenge, dispute...) from one address
    openings_per_link_per_minute: int = Field(30, ge=1)     # requests with one link, from anywhere
    failed_openings_per_address: int = Field(10, ge=1)      # links that do not open (404), per address...
    failed_openings_window_seconds: float = Field(900.0, gt=0)  # ...full again after this long


class GatewaySettings(Settings):
    """Gateway settings (env prefix ``SENDPB_GATEWAY_``)."""

    model_config = SettingsConfigDict(env_prefix="SENDPB_GATEWAY_", env_nested_delimiter="__", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    jwt_private_key: str | None = None     # PEM (Ed25519); dev mode falls back to the dev key
    jwt_kid: str = "dev-1"
    token_ttl_seconds: int = Field(3600, ge=60, le=86_400)
    clients: list[ClientConfig] = []       # JSON in SENDPB_GATEWAY_CLIENTS
    upstreams: dict[str, str] = DEFAULT_UPSTREAMS
    upstream_timeout_seconds: float = Field(30.0, gt=0)
    # Requests in flight per service from this replica (gateway/upstream.py): no more than a service admits
    # (SENDPB_MAX_REQUESTS_IN_FLIGHT, 60 per process by default); docs/OPERATIONS.md, "Sizing".
    upstream_connections: int = Field(64, ge=1)
    rate_limit_per_second: float = Field(200.0, gt=0)   # per client, sustained
    rate_limit_burst: int = Field(400, ge=1)
    # The scheduled reconciliation (gateway/reconciliation.py): off while no LA is given (JSON list in
    # SENDPB_GATEWAY_RECONCILE_LOCAL_AUTHORITIES).
    reconcile_local_authorities: list[str] = []
    reconcile_every_seconds: float = Field(900.0, ge=1)
    reconcile_settle_seconds: float = Field(10.0, ge=0, le=300)
    max_body_bytes: int = Field(MAX_BODY_BYTES, ge=1024)  # larger request bodies are refused with 413
    # Where the rate limits live. Unset: each replica holds its own, and enforces 1/replicas of every limit.
    redis_url: str | None = None               # e.g. redis://redis:6379/0
    redis_prefix: str = "sendpb:gateway:"
    redis_timeout_seconds: float = Field(0.25, gt=0)
    replicas: int = Field(1, ge=1)
    # Failed token requests: a bucket per client id and per source address, full again after the window.
    token_failures_per_client: int = Field(10, ge=1)
    token_failures_per_source: int = Field(50, ge=1)
    token_failure_window_seconds: float = Field(60.0, gt=0)
    # Proxies (IPs or CIDRs) whose X-Forwarded-For is believed for the source address of a token request or of a
    # signed-link page.
    trusted_proxies: list[str] = []
    signed_links: SignedLinkLimitSettings = SignedLinkLimitSettings()

    @model_validator(mode="after")
    def _kid_matches_key(self) -> GatewaySettings:
        if self.jwt_private_key and self.jwt_kid == "dev-1":
            raise ValueError("set SENDPB_GATEWAY_JWT_KID to a key id of your own when providing a private key")
        return self
