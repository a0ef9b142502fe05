from __future__ import annotations

from pydantic import PrivateAttr, SecretStr
from pydantic_settings import SettingsConfigDict

from kit.family import link_key
from kit.settings import PlatformSettings, ServiceSettings

FAMILY_LINK_SECRET_SETTING = "SENDPB_CONTRACTS_FAMILY_LINK_SECRET"


class ContractsSettings(ServiceSettings):
    """Settings of the contracts service (env prefix ``SENDPB_CONTRACTS_``)."""

    model_config = SettingsConfigDict(env_prefix="SENDPB_CONTRACTS_", env_nested_delimiter="__",
                                      extra="ignore")

    port: int = 8005
    # Family links (issue 20): the secret that signs links to contract summaries (HMAC-SHA256; at least 32
    # characters; unset means the dev secret in dev mode and refuses to start outside it), and the public address
    # of the gateway that families open them at (https outside dev mode).
    family_link_secret: SecretStr | None = None
    family_link_base_url: str = "http://127.0.0.1:8000"
    _family_link_key: bytes | None = PrivateAttr(None)

    def bound_to(self, platform: PlatformSettings) -> ContractsSettings:
        """These settings with the family-link key for the platform's mode (the dev key refused outside dev)."""
        bound = self.model_copy()
        secret = self.family_link_secret.get_secret_value() if self.family_link_secret else None
        bound._family_link_key = link_key(secret, dev=platform.dev, base_url=self.family_link_base_url,
                                          setting=FAMILY_LINK_SECRET_SETTING)
        return bound

    @property
    def family_link_key(self) -> bytes:
        if self._family_link_key is None:
            raise RuntimeError("contracts settings have no family-link key yet: use settings.bound_to(platform)")
        return self._family_link_key
