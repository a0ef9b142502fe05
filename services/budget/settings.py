from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class BudgetSettings(ServiceSettings):
    """Settings of the budget service (env prefix ``SENDPB_BUDGET_``)."""

    model_config = SettingsConfigDict(env_prefix="SENDPB_BUDGET_", env_nested_delimiter="__", extra="ignore")

    port: int = 8003
