from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class EligibilitySettings(ServiceSettings):
    """Settings of the eligibility service (env prefix ``SENDPB_ELIGIBILITY_``)."""

    model_config = SettingsConfigDict(env_prefix="SENDPB_ELIGIBILITY_", env_nested_delimiter="__", extra="ignore")

    port: int = 8001
