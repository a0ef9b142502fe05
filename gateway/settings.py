from __future__ import annotations

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import SettingsConfigDict

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
    upstream_connections: int = Field(256, ge=1)
    rate_limit_per_second: float = Field(200.0, gt=0)   # per client, sustained
    rate_limit_burst: int = Field(400, ge=1)

    @model_validator(mode="after")
    def _kid_matches_key(self) -> GatewaySettings:
        if self.jwt_private_key and self.jwt_kid == "dev-1":
            raise ValueError("set SENDPB_GATEWAY_JWT_KID to a key id of your own when providing a private key")
        return self
