from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class ContractsSettings(ServiceSettings):
    """Settings of the contracts service (env prefix ``SENDPB_CONTRACTS_``)."""

    model_config = SettingsConfigDict(env_prefix="SENDPB_CONTRACTS_", env_nested_delimiter="__",
                                      extra="ignore")

    port: int = 8005
