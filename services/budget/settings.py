from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings

AUTHORITIES = ("stream", "senior")


class BudgetSettings(ServiceSettings):
    """Settings of the budget service (env prefix ``SENDPB_BUDGET_``).

    Delegated authority (BUD-06) is per LA and stream, for two levels: ``stream`` (each stream's panel
    representative) and ``senior`` (who decides what was escalated), e.g.
    ``SENDPB_BUDGET_DELEGATED_LIMITS='{"E06000060": {"education": 5000000}}'``. An LA or stream not listed
    gets the default of its level."""

    model_config = SettingsConfigDict(env_prefix="SENDPB_BUDGET_", env_nested_delimiter="__", extra="ignore")

    port: int = 8003
    default_delegated_limit_pence: int = Field(5_000_000, ge=0)      # £50,000 per stream per decision
    delegated_limits: dict[str, dict[str, int]] = {}
    default_senior_limit_pence: int = Field(25_000_000, ge=0)        # £250,000
    senior_limits: dict[str, dict[str, int]] = {}
    # BUD-10: how long a family has to ask for a reduction to be reconsidered.
    reconsideration_days: int = Field(28, ge=1, le=365)

    def limit_for(self, la: str, stream: str, authority: str) -> int:
        """The delegated authority limit of one decision (BUD-06)."""
        if authority == "senior":
            return self.senior_limits.get(la, {}).get(stream, self.default_senior_limit_pence)
        return self.delegated_limits.get(la, {}).get(stream, self.default_delegated_limit_pence)
