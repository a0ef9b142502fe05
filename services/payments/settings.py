from __future__ import annotations

from pydantic import BaseModel, Field, PrivateAttr, SecretStr
from pydantic_settings import SettingsConfigDict

from kit.crypto import Keyring
from kit.settings import FamilyLinkSettings, PlatformSettings

KEYS_SETTING = "SENDPB_PAYMENTS_ENCRYPTION_KEYS"
ORIGINATORS_SETTING = "SENDPB_PAYMENTS_ORIGINATORS_BY_LA"
PLACEHOLDER_SUN = "123456"


class OriginatorConfig(BaseModel):
    """An LA's BACS originator: its service user number (SUN), name, and the account the contra debits."""
    service_user_number: str = Field(pattern=r"^\d{6}$")
    name: str = Field(min_length=1, max_length=18)
    sort_code: str = Field(pattern=r"^\d{6}$")
    account_number: str = Field(pattern=r"^\d{8}$")


class GLCode(BaseModel):
    """Where a journal line posts in the council's general ledger."""
    cost_centre: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9._/-]+$")
    account: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9._/-]+$")


class GLAccounts(BaseModel):
    """An LA's GL codes: one per stream (`other` for a stream not listed, or none), and the bank (contra)
    account a run's total is credited to."""
    streams: dict[str, GLCode] = {}
    other: GLCode = GLCode(cost_centre="DP000", account="5900")
    bank: GLCode = GLCode(cost_centre="FIN00", account="1200")

    def for_stream(self, stream: str | None) -> GLCode:
        return self.streams.get(stream or "", self.other)


FAMILY_LINK_SECRET_SETTING = "SENDPB_PAYMENTS_FAMILY_LINK_SECRET"


class PaymentsSettings(FamilyLinkSettings):
    """Settings of the payments service (env prefix ``SENDPB_PAYMENTS_``). Per-LA dicts are keyed by ONS code,
    e.g. ``SENDPB_PAYMENTS_CONTINGENCY_WEEKS='{"E06000049": 4}'``; an LA not listed gets the DEFAULT."""

    model_config = SettingsConfigDict(env_prefix="SENDPB_PAYMENTS_", env_nested_delimiter="__",
                                      extra="ignore")

    port: int = 8004
    # PAY-02 DEFAULT: a managed account may carry a fee of £9.99 a month.
    managed_account_fee_pence: int = Field(999, ge=0)
    managed_account_fee_pence_by_la: dict[str, int] = {}
    # PAY-06 DEFAULT: the contingency kept at an audit is 8 weeks of payments.
    contingency_weeks: int = Field(8, ge=0, le=52)
    contingency_weeks_by_la: dict[str, int] = {}
    # PAY-07 DEFAULT: 28 days to challenge a recovery notice.
    challenge_days: int = Field(28, ge=1, le=365)
    challenge_days_by_la: dict[str, int] = {}
    # PAY-08: when a decision refuses direct payment for a reason other than ELIG-07 (which stops them at once),
    # the family is given this much written notice before payments are suspended.
    refusal_notice_days: int = Field(28, ge=0, le=365)
    refusal_notice_days_by_la: dict[str, int] = {}
    # BUD-10: a reduction of a direct payment allows one reconsideration, asked within this many days.
    reconsideration_days: int = Field(28, ge=1, le=365)
    reconsideration_days_by_la: dict[str, int] = {}
    # PAY-10: a repayment by deduction never takes an instalment below this percentage of its amount, so the
    # family's provision goes on being paid (affordable repayment).
    repayment_floor_percent: int = Field(50, ge=0, le=100)
    # The originator of the BACS file (the council's direct-payments account) and its service user number: per
    # LA in `originators_by_la` ({LA: {service_user_number, name, sort_code, account_number}}). The single
    # originator below is the dev placeholder, used in dev mode for an LA not listed; outside dev mode it is never
    # used, `originators_by_la` must be set and a placeholder SUN (123456) is refused.
    originators_by_la: dict[str, OriginatorConfig] = {}
    originator_sort_code: str = Field("200000", pattern=r"^\d{6}$")
    originator_account_number: str = Field("55779911", pattern=r"^\d{8}$")
    service_user_number: str = Field("123456", pattern=r"^\d{6}$")
    originator_name: str = Field("SENDPB DIRECT PAY", max_length=18)
    # Prepaid cards are loaded through the card provider's account, the card reference as the BACS reference.
    prepaid_card_sort_code: str = Field("608371", pattern=r"^\d{6}$")
    prepaid_card_account_number: str = Field("00001234", pattern=r"^\d{8}$")
    # The GL journal (GET /v1/payments/runs/{id}/journal.csv): cost centre and account per stream and the bank
    # account, per LA ({LA: {streams: {stream: {cost_centre, account}}, other: {...}, bank: {...}}}).
    gl_accounts: GLAccounts = GLAccounts(streams={
        "education": GLCode(cost_centre="DP100", account="5910"),
        "social_care": GLCode(cost_centre="DP200", account="5920"),
        "health": GLCode(cost_centre="DP300", account="5930"),
        "transport": GLCode(cost_centre="DP400", account="5940")})
    gl_accounts_by_la: dict[str, GLAccounts] = {}
    # Payments, ledger and outbox rows of a run are written in chunks of this many.
    run_chunk_size: int = Field(5000, ge=1, le=100_000)
    # How far ahead a run may be dated: bank files go a few working days before the money lands, but a run
    # dated months ahead would pay instalments long before they are due.
    run_days_ahead: int = Field(14, ge=0, le=60)
    # PAY-04: the process carrying out a run holds it under a lease, renewed with every chunk (a chunk takes a
    # second or so). A run whose lease ran out lost its process (a crash, a kill, a node gone): any replica takes
    # it over, looking every `run_takeover_every_seconds`, and carries it on from where it stopped.
    run_lease_seconds: float = Field(30.0, gt=0, le=3600)
    run_takeover_every_seconds: float = Field(5.0, gt=0, le=3600)
    # Bank details are sealed at rest (AES-256-GCM) with these keys: {key id: base64 of 32 random bytes}. New
    # values are sealed with `encryption_key_id` (needed when there is more than one key); the others only open
    # values sealed before a rotation. Empty in dev mode means the built-in dev key; outside dev mode the service
    # (and its migration) refuses to start without them or with the dev key.
    encryption_keys: dict[str, SecretStr] = {}
    encryption_key_id: str | None = None
    _keyring: Keyring | None = PrivateAttr(None)
    _dev: bool = PrivateAttr(True)
    # Family links (issue 20) to recovery notices: ``family_link_secret`` and ``family_link_base_url``
    # (kit.settings.FamilyLinkSettings).
    FAMILY_LINK_SECRET_SETTING = FAMILY_LINK_SECRET_SETTING

    def bound_to(self, platform: PlatformSettings) -> PaymentsSettings:
        """These settings with their keyring and family-link key built for the platform's mode (refusing dev keys
        and the placeholder originator outside dev)."""
        keyring = platform.keyring(self.encryption_keys, self.encryption_key_id, setting=KEYS_SETTING)
        if not platform.dev:
            if not self.originators_by_la:
                raise ValueError(f"{ORIGINATORS_SETTING} must be set outside dev mode (the placeholder "
                                 "originator is refused)")
            for la, origin in self.originators_by_la.items():
                if origin.service_user_number == PLACEHOLDER_SUN or (
                        origin.sort_code, origin.account_number) == (self.originator_sort_code,
                                                                     self.originator_account_number):
                    raise ValueError(f"{ORIGINATORS_SETTING}[{la!r}] is the dev placeholder originator, which is "
                                     "refused outside dev mode")
        bound = super().bound_to(platform)
        bound._keyring, bound._dev = keyring, platform.dev
        return bound

    def originator_for(self, la: str) -> OriginatorConfig | None:
        """The LA's BACS originator; in dev mode the placeholder for an LA not listed; outside dev mode None for
        an LA not listed (its bank file is refused)."""
        if la in self.originators_by_la:
            return self.originators_by_la[la]
        if not self._dev:
            return None
        return OriginatorConfig(service_user_number=self.service_user_number, name=self.originator_name,
                                sort_code=self.originator_sort_code, account_number=self.originator_account_number)

    def gl_accounts_for(self, la: str) -> GLAccounts:
        return self.gl_accounts_by_la.get(la, self.gl_accounts)

    @property
    def keyring(self) -> Keyring:
        if self._keyring is None:
            raise RuntimeError("payments settings have no keyring yet: use settings.bound_to(platform) "
                               "(create_app does)")
        return self._keyring

    def managed_fee_for(self, la: str) -> int:
        return self.managed_account_fee_pence_by_la.get(la, self.managed_account_fee_pence)

    def contingency_weeks_for(self, la: str) -> int:
        return self.contingency_weeks_by_la.get(la, self.contingency_weeks)

    def challenge_days_for(self, la: str) -> int:
        return self.challenge_days_by_la.get(la, self.challenge_days)

    def refusal_notice_days_for(self, la: str) -> int:
        return self.refusal_notice_days_by_la.get(la, self.refusal_notice_days)

    def reconsideration_days_for(self, la: str) -> int:
        return self.reconsideration_days_by_la.get(la, self.reconsideration_days)
