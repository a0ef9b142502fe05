from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class RasSettings(ServiceSettings):
    """Settings of the ras service (env prefix ``SENDPB_RAS_``)."""

    model_config = SettingsConfigDict(env_prefix="SENDPB_RAS_", env_nested_delimiter="__", extra="ignore")

    port: int = 8002
