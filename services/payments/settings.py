from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class PaymentsSettings(ServiceSettings):
    """Settings of the payments service (env prefix ``SENDPB_PAYMENTS_``)."""

    model_config = SettingsConfigDict(env_prefix="SENDPB_PAYMENTS_", env_nested_delimiter="__", extra="ignore")

    port: int = 8004
