from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from kit.settings import FamilyLinkSettings

FAMILY_LINK_SECRET_SETTING = "SENDPB_CONTRACTS_FAMILY_LINK_SECRET"


class ContractsSettings(FamilyLinkSettings):
    """Settings of the contracts service (env prefix ``SENDPB_CONTRACTS_``). Family links (issue 20) to contract
    summaries are signed under ``SENDPB_CONTRACTS_FAMILY_LINK_SECRET`` (``kit.settings.FamilyLinkSettings``)."""

    model_config = SettingsConfigDict(env_prefix="SENDPB_CONTRACTS_", env_nested_delimiter="__",
                                      extra="ignore")
    FAMILY_LINK_SECRET_SETTING = FAMILY_LINK_SECRET_SETTING

    port: int = 8005
