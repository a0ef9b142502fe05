from __future__ import annotations

import re
from typing import Self

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import SettingsConfigDict

from kit.family import DEV_FAMILY_LINK_SECRET as DEV_FAMILY_LINK_SECRET  # re-exported: tests and docs name it here
from kit.settings import FamilyLinkSettings, PlatformSettings
from services.budget.domain.reviews import DEFAULT_REVIEW_CADENCE, review_cadence_refusal

AUTHORITIES = ("stream", "senior")
_LA = r"^[EWSN]\d{8}$"


class LocalOfferSettings(BaseModel):
    """One LA's published local offer of personal budgets (BUD-15): its name, its personal budget policy (where it
    is and a summary) and its independent advice service (SENDIAS). The menu comes from the provision categories."""

    name: str = Field(min_length=1, max_length=120)
    policy_url: str = Field(pattern=r"^https://\S+$", max_length=500)
    policy_summary: str = Field(min_length=1, max_length=5000)
    sendias_name: str = Field(min_length=1, max_length=200)
    sendias_url: str = Field(pattern=r"^https://\S+$", max_length=500)
    sendias_phone: str | None = Field(None, pattern=r"^\+?[0-9 ]{6,20}$")


# The demo's LA, from its published policy (the seed documents); every other LA is configured, e.g.
# SENDPB_BUDGET_LOCAL_OFFERS='{"E08000018": {"name": "Rotherham", "policy_url": "https://...", ...}}'. The addresses
# are the council's and the national SENDIAS network's front pages until an LA sets its own pages' addresses.
DEFAULT_LOCAL_OFFERS = {
    "E06000060": LocalOfferSettings(
        name="Buckinghamshire Council",
        policy_url="https://www.buckinghamshire.gov.uk/",
        policy_summary=(
            "A personal budget is the part of the money for the provision in your child's Education, Health and Care "
            "Plan that you, or your young person, help to arrange. It does not mean extra money. You can take it as a "
            "direct payment, through someone who manages it for you, or leave the council or NHS to arrange the "
            "support with you (a notional budget); you may also mix these. Asking for one is your free choice. It "
            "pays for support written in the plan and tied to its outcomes; it never pays for a place at a school, "
            "college or nursery. It is agreed by a panel, reviewed within 3 months and then at least every year, and "
            "you may ask for a decision to be reconsidered. The policy was written with parents and carers (FACT "
            "Bucks), the NHS and Bucks SENDIAS."),
        sendias_name="Bucks SENDIAS",
        sendias_url="https://councilfordisabledchildren.org.uk/",
    ),
}
# Family links (issue 20) are signed with a per-deployment secret; the dev one (kit.family) is for dev mode only and
# is refused outside it, as the dev signing key is.
FAMILY_LINK_SECRET_SETTING = "SENDPB_BUDGET_FAMILY_LINK_SECRET"
# Who may publish ICB health funding over AMQP: broker user -> the LAs (ONS codes) it commissions with, whose
# children's health funding it may change, e.g. SENDPB_BUDGET_ICB_PUBLISHERS='{"icb-bob": ["E06000060"]}'. Unset
# means the dev default in dev mode (RabbitMQ's own ``guest``, which the in-memory bus publishes as too, for any
# LA) and refuses to start outside it; ``*`` (any LA) is refused outside dev mode.
ICB_PUBLISHERS_SETTING = "SENDPB_BUDGET_ICB_PUBLISHERS"
ANY_LA = "*"
DEV_ICB_PUBLISHERS = {"guest": [ANY_LA]}


class BudgetSettings(FamilyLinkSettings):
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
    # BUD-15: each LA's published local offer (ONS code -> its policy and SENDIAS); an LA not listed has none (404).
    local_offers: dict[str, LocalOfferSettings] = dict(DEFAULT_LOCAL_OFFERS)
    # Broker users allowed to publish icb.health_funding.changed.v1, and for which LAs (ICB_PUBLISHERS_SETTING).
    icb_publishers: dict[str, list[str]] = {}

    @field_validator("icb_publishers")
    @classmethod
    def _icb_publisher_las(cls, publishers: dict[str, list[str]]) -> dict[str, list[str]]:
        for user, las in publishers.items():
            bad = [la for la in las if la != ANY_LA and not re.fullmatch(_LA, la)]
            if not las or bad:
                raise ValueError(f"{ICB_PUBLISHERS_SETTING}: {user!r} needs the ONS codes of its LAs, e.g. "
                                 f"[\"E06000060\"]; not {bad or las}")
        return publishers

    def bound_to(self, platform: PlatformSettings) -> Self:
        """Also the ICB publishers for the platform's mode: the dev default in dev mode when unset; outside it, they
        must be set (the service consumes ICB events) and name each LA."""
        bound = super().bound_to(platform)
        if not self.icb_publishers:
            if not platform.dev:
                raise ValueError(f"{ICB_PUBLISHERS_SETTING} must be set outside dev mode: the broker users that may "
                                 "publish ICB health funding, and their LAs, e.g. '{\"icb-bob\": [\"E06000060\"]}'")
            bound.icb_publishers = DEV_ICB_PUBLISHERS
        elif not platform.dev and (anywhere := [u for u, las in self.icb_publishers.items() if ANY_LA in las]):
            raise ValueError(f"{ICB_PUBLISHERS_SETTING}: {ANY_LA!r} (any LA) is the dev default's, refused outside "
                             f"dev mode; name the LAs of {anywhere}")
        return bound

    def icb_publisher_refusal(self, user: str | None, la: str) -> str | None:
        """Why the broker user may not publish health funding for a child of this LA, or None if it may: an ICB
        moves health funding only for the LAs it commissions with."""
        if user is None:
            return "no user_id property: the publisher is unknown (set it to the broker user you connect as)"
        las = self.icb_publishers.get(user)
        if las is None:
            return f"broker user {user!r} may not publish ICB health funding ({ICB_PUBLISHERS_SETTING})"
        if la not in las and ANY_LA not in las:
            return f"broker user {user!r} may not publish ICB health funding for {la} ({ICB_PUBLISHERS_SETTING})"
        return None

    @field_validator("local_offers")
    @classmethod
    def _local_offer_las(cls, offers: dict[str, LocalOfferSettings]) -> dict[str, LocalOfferSettings]:
        if bad := [la for la in offers if not re.fullmatch(_LA, la)]:
            raise ValueError(f"BUD-15: local offers are keyed by an LA's ONS code, e.g. E06000060; not {bad}")
        return offers
    # Family links (issue 20): ``family_link_secret`` and ``family_link_base_url`` (kit.settings.FamilyLinkSettings).
    FAMILY_LINK_SECRET_SETTING = FAMILY_LINK_SECRET_SETTING

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
