"""ORM tables of the eligibility service. Requests, reviews and decisions are written once and never updated
(ELIG-11): a review adds a decision that supersedes the current one, and the current decision of a request is
the one nothing supersedes (a unique ``supersedes_decision_id`` keeps the history a single line)."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kit.db import UTCDateTime, make_base
from kit.family_links import FamilyLinkColumns, FamilyLinkOpeningColumns

Base = make_base()


class EligibilityRequest(Base):
    """A request for a personal budget as the family made it: the facts the rules were applied to."""

    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_created_at_id", "created_at", "id"),)  # history, newest first

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_authority: Mapped[str] = mapped_column(String(9), index=True)
    child_id: Mapped[str] = mapped_column(String(64), index=True)
    requested_on: Mapped[date] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(20))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(120))  # the client that recorded it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Review(Base):
    """A family's request to review a decision (ELIG-10): why, and who asked."""

    __tablename__ = "reviews"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    reason: Mapped[str] = mapped_column(Text)
    corrections: Mapped[dict[str, Any]] = mapped_column(JSON)  # the facts the review changed
    asked_by: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Decision(Base):
    """One decision on a request, with every reason and the rules version (ELIG-10, ELIG-11)."""

    __tablename__ = "decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    status: Mapped[str] = mapped_column(String(24))
    streams: Mapped[dict[str, Any]] = mapped_column(JSON)
    arrangements: Mapped[dict[str, Any]] = mapped_column(JSON)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)  # what it was decided on, corrections included
    rules_version: Mapped[str] = mapped_column(String(20))
    custody_rule: Mapped[bool] = mapped_column(
        Boolean
    )  # the LA's ELIG-08 setting the decision was made under
    supersedes_decision_id: Mapped[str | None] = mapped_column(ForeignKey("decisions.id"), unique=True)
    review_id: Mapped[str | None] = mapped_column(ForeignKey("reviews.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # From ``facts`` (corrections included), so the young people approaching 18 are found by index (ELIG-14);
    # null only for decisions made before it was kept, which the migration fills in.
    date_of_birth: Mapped[date | None] = mapped_column(Date, index=True)

    @property
    def declines(self) -> list[dict[str, Any]]:
        """The LA's ELIG-12 declines this decision was made under."""
        return list(self.facts.get("declines") or [])

    @property
    def eligible_streams(self) -> list[str]:
        """The streams decided eligible, in the order they were decided."""
        return [s for s, o in self.streams.items() if o["eligible"]]

    @property
    def allowed_arrangements(self) -> list[str]:
        return sorted(a for a, o in self.arrangements.items() if o["allowed"])


class AdulthoodAnnouncement(Base):
    """ELIG-14: adult social care was told (``eligibility.adulthood_approaching.v1``) that this child turns 18;
    once per child of an LA, whatever the replicas or the reruns of the job."""

    __tablename__ = "adulthood_announcements"
    __table_args__ = (UniqueConstraint("local_authority", "child_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    child_id: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"))
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"))
    turns_18_on: Mapped[date] = mapped_column(Date)
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FamilyLink(FamilyLinkColumns, Base):
    """A signed link that lets the family of a request open the notice of one decision on it (``document_id``:
    the decision; ELIG-10) without an account, and ask for a review from it (issue 20). The token is not stored
    (``kit/family_links.py``)."""

    __tablename__ = "family_links"
    request_id: Mapped[str] = mapped_column(String(36), index=True)


class FamilyLinkOpening(FamilyLinkOpeningColumns, Base):
    __tablename__ = "family_link_openings"
    __table_args__ = (Index("ix_family_link_openings_link_id", "link_id", "opened_at"),)


class ReviewRequest(Base):
    """A family's request for a review of a decision (ELIG-10), made from their decision notice's link: recorded
    for the LA to review (``service/reviews.py`` ``ask_for_review``). Written once, like a review: it stays open
    while the decision it names is in force, and is answered by the review that supersedes it (casework's
    ``POST /requests/{id}/review``)."""

    __tablename__ = "review_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"))
    local_authority: Mapped[str] = mapped_column(String(9))
    reason: Mapped[str] = mapped_column(Text)
    asked_by: Mapped[str] = mapped_column(String(200))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    link_id: Mapped[str] = mapped_column(ForeignKey("family_links.id"), unique=True)  # once per link
