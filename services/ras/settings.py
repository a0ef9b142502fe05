from decimal import Decimal
from typing import Annotated

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

    # BUD-12: a change of circumstances asks for a swift re-assessment, due this many working days (Monday to
    # Friday) after the day it was recorded, per LA, e.g. SENDPB_RAS_REASSESSMENT_WORKING_DAYS='{"E06000049": 10}'.
    # 20 working days (four weeks) by default: the seeds say "swift" and set no figure.
    reassessment_working_days: dict[str, Annotated[int, Field(ge=1, le=260)]] = Field(default_factory=dict)
    reassessment_working_days_default: int = Field(20, ge=1, le=260)

    def contingency_for(self, local_authority: str) -> Decimal:
        """The LA's default contingency reserve, in percent (RAS-07)."""
        return self.contingency_percent.get(local_authority, self.contingency_percent_default)

    def reassessment_working_days_for(self, local_authority: str) -> int:
        """The working days within which the LA re-assesses a child whose circumstances changed (BUD-12)."""
        return self.reassessment_working_days.get(local_authority, self.reassessment_working_days_default)
