from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings
from services.budget.domain.reviews import DEFAULT_REVIEW_CADENCE, review_cadence_refusal

AUTHORITIES = ("stream", "senior")


class BudgetSettings(ServiceSettings):
    """Settings of the budget service (env prefix ``SENDPB_BUDGET_``).

    Delegated authority (BUD-06) is per LA and stream, for two levels: ``stream`` (each stream's panel
    representative) and ``senior`` (who decides what was escalated), e.g.
    ``SENDPB_BUDGET_DELEGATED_LIMITS='{"E06000060": {"education": 5000000}}'``. An LA or stream not listed
    gets the default of its level.

    Review cadence (BUD-12) is per LA: months from agreement to the first review, then between reviews, the last
    repeating. The default is BUD-09's 3 months, then every 12 (Buckinghamshire's); Rotherham's 3, 6, then every
    12 months is ``SENDPB_BUDGET_REVIEW_CADENCE_MONTHS_BY_LA='{"E08000018": [3, 6, 12]}'``. An interval above 12
    months is refused at start-up (BUD-09: at least every 12 months)."""

    model_config = SettingsConfigDict(env_prefix="SENDPB_BUDGET_", env_nested_delimiter="__", extra="ignore")

    port: int = 8003
    default_delegated_limit_pence: int = Field(5_000_000, ge=0)      # £50,000 per stream per decision
    delegated_limits: dict[str, dict[str, int]] = {}
    default_senior_limit_pence: int = Field(25_000_000, ge=0)        # £250,000
    senior_limits: dict[str, dict[str, int]] = {}
    # BUD-10: how long a family has to ask for a reduction to be reconsidered.
    reconsideration_days: int = Field(28, ge=1, le=365)
    # BUD-12: the review cadence of an LA not listed, and of each LA listed (ONS code -> months).
    review_cadence_months: list[int] = list(DEFAULT_REVIEW_CADENCE)
    review_cadence_months_by_la: dict[str, list[int]] = {}
    # BUD-11: each council's DfE LA number (the SEN2 return's LEA), by ONS code; a council not listed cannot file
    # its return until it is set, e.g. SENDPB_BUDGET_SEN2_LA_NUMBERS='{"E06000060": "825"}'.
    sen2_la_numbers: dict[str, str] = {"E06000060": "825", "E06000049": "895", "E08000018": "372"}
    # BUD-14: LAs (ONS codes) whose reviews must record progress on every outcome and the child's or young person's
    # views (a 422 naming BUD-14 otherwise); elsewhere they are recorded when given, so existing clients still work.
    outcomes_and_views_required_las: list[str] = []

    @field_validator("review_cadence_months")
    @classmethod
    def _cadence_within_bud_09(cls, cadence: list[int]) -> list[int]:
        if refusal := review_cadence_refusal(cadence):
            raise ValueError(f"BUD-12: {refusal}")
        return cadence

    @field_validator("review_cadence_months_by_la")
    @classmethod
    def _each_la_cadence_within_bud_09(cls, by_la: dict[str, list[int]]) -> dict[str, list[int]]:
        for la, cadence in by_la.items():
            if refusal := review_cadence_refusal(cadence):
                raise ValueError(f"BUD-12: {la}: {refusal}")
        return by_la

    @field_validator("sen2_la_numbers")
    @classmethod
    def _dfe_la_numbers(cls, numbers: dict[str, str]) -> dict[str, str]:
        for la, number in numbers.items():
            if not (len(number) == 3 and number.isdigit()):
                raise ValueError(f"BUD-11: {la}: a DfE LA number has three digits, not {number!r}")
        return numbers

    def review_cadence_for(self, la: str) -> tuple[int, ...]:
        """The LA's review cadence (BUD-12): months to the first review after agreement, then between reviews."""
        return tuple(self.review_cadence_months_by_la.get(la, self.review_cadence_months))

    def outcomes_and_views_required(self, la: str) -> bool:
        """BUD-14: whether the LA's reviews must give progress on every outcome and the child's views."""
        return la in self.outcomes_and_views_required_las

    def limit_for(self, la: str, stream: str, authority: str) -> int:
        """The delegated authority limit of one decision (BUD-06)."""
        if authority == "senior":
            return self.senior_limits.get(la, {}).get(stream, self.default_senior_limit_pence)
        return self.delegated_limits.get(la, {}).get(stream, self.default_delegated_limit_pence)
