from decimal import Decimal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class RasSettings(ServiceSettings):
    """Settings of the ras service (env prefix ``SENDPB_RAS_``)."""

    model_config = SettingsConfigDict(env_prefix="SENDPB_RAS_", env_nested_delimiter="__", extra="ignore")

    port: int = 8002
    # RAS-07 DEFAULT: the contingency reserve a calibration holds back when the request names none (5–10 % is
    # common), per LA, e.g. SENDPB_RAS_CONTINGENCY_PERCENT='{"E06000049": "7.5"}'.
    contingency_percent: dict[str, Decimal] = Field(default_factory=dict)
    contingency_percent_default: Decimal = Field(Decimal("5"), ge=0, lt=100, decimal_places=2)

    def contingency_for(self, local_authority: str) -> Decimal:
        """The LA's default contingency reserve, in percent (RAS-07)."""
        return self.contingency_percent.get(local_authority, self.contingency_percent_default)
