from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kit.settings import FamilyLinkSettings

FAMILY_LINK_SECRET_SETTING = "SENDPB_ELIGIBILITY_FAMILY_LINK_SECRET"


class EligibilitySettings(FamilyLinkSettings):
    """Settings of the eligibility service (env prefix ``SENDPB_ELIGIBILITY_``). Family links (issue 20) to
    decision notices are signed under ``SENDPB_ELIGIBILITY_FAMILY_LINK_SECRET`` (``kit.settings.FamilyLinkSettings``:
    the dev secret is refused outside dev mode)."""

    model_config = SettingsConfigDict(
        env_prefix="SENDPB_ELIGIBILITY_", env_nested_delimiter="__", extra="ignore"
    )

    FAMILY_LINK_SECRET_SETTING = FAMILY_LINK_SECRET_SETTING
    port: int = 8001
    # ELIG-08 is a DEFAULT (Cheshire East practice): on unless an LA turns it off,
    # e.g. SENDPB_ELIGIBILITY_CUSTODY_RULE='{"E08000018": false}'.
    custody_rule: dict[str, bool] = Field(default_factory=dict)
    custody_rule_default: bool = True
    # ELIG-14: adult social care is told this many days (about six months) before a young person turns 18.
    adulthood_notice_days: int = Field(183, ge=1, le=3650)

    def custody_rule_for(self, local_authority: str) -> bool:
        """Whether ELIG-08 (no personal budget while in custody) applies in this LA."""
        return self.custody_rule.get(local_authority, self.custody_rule_default)
