"""ORM tables of the ras service.

A model version is one row (its own id); versions of one model share a ``lineage_id`` and count up from 1. An
assessment keeps each stream's points in its own column so that calibration can SUM them in SQL (RAS-07)."""
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from kit.db import UTCDateTime, make_base

Base = make_base()


class RasModel(Base):
    __tablename__ = "ras_models"
    __table_args__ = (
        UniqueConstraint("lineage_id", "version"),
        Index("ix_ras_models_la_status_published", "local_authority", "status", "published_at"),
        Index("ix_ras_models_la_created", "local_authority", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    lineage_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    previous_version_id: Mapped[str | None] = mapped_column(String(36))
    local_authority: Mapped[str] = mapped_column(String(9))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))  # draft | published
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)  # questions, conversions, ceiling_points
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


POINT_COLUMNS = {"education": "education_points", "health": "health_points",
                 "social_care": "social_care_points",
                 "transport": "transport_points"}


class Assessment(Base):
    __tablename__ = "ras_assessments"
    __table_args__ = (
        UniqueConstraint("supersedes_assessment_id"),  # a result is superseded at most once: a linear history
        Index("ix_ras_assessments_la_child_created", "local_authority", "child_id", "created_at", "id"),
        Index("ix_ras_assessments_model_id", "model_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_authority: Mapped[str] = mapped_column(String(9))
    child_id: Mapped[str] = mapped_column(String(64))
    model_id: Mapped[str] = mapped_column(String(36), ForeignKey("ras_models.id"))
    model_version: Mapped[int] = mapped_column(Integer)
    supersedes_assessment_id: Mapped[str | None] = mapped_column(String(36))
    # Points per stream, NULL where the model has no question for the stream.
    education_points: Mapped[int | None] = mapped_column(Integer)
    health_points: Mapped[int | None] = mapped_column(Integer)
    social_care_points: Mapped[int | None] = mapped_column(Integer)
    transport_points: Mapped[int | None] = mapped_column(Integer)
    indicative_pence: Mapped[dict[str, int]] = mapped_column(JSON)
    total_indicative_pence: Mapped[int] = mapped_column(BigInteger)
    referred_to_panel: Mapped[bool] = mapped_column(Boolean)
    referred_streams: Mapped[list[str]] = mapped_column(JSON)
    answers: Mapped[dict[str, str]] = mapped_column(JSON)
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # per question (RAS-06)
    conversions: Mapped[dict[str, Any]] = mapped_column(JSON)  # per stream, with its arithmetic (RAS-06)
    # BUD-12: the re-assessment requests this result completed (those open for the child when it was recorded).
    reassessment_request_ids: Mapped[list[str]] = mapped_column(JSON, server_default=text("'[]'"))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def points(self) -> dict[str, int]:
        return {stream: getattr(self, column) for stream, column in POINT_COLUMNS.items()
                if getattr(self, column) is not None}

    @property
    def completed_at(self) -> datetime:
        """When the result was recorded: the API and the event call it ``completed_at``."""
        return self.created_at


class ReassessmentRequest(Base):
    """BUD-12: a change of circumstances recorded on a budget (``budget.reassessment_requested.v1``) asks for a
    swift new assessment of the child. One row per source event; ``open`` until an assessment of that child in
    that LA is recorded, which completes it (``assessment_id``, ``completed_at``)."""

    __tablename__ = "ras_reassessment_requests"
    __table_args__ = (
        UniqueConstraint("source_event_id"),  # one request per event, whatever the inbox saw
        Index("ix_ras_reassessment_requests_la_created", "local_authority", "created_at", "id"),
        Index("ix_ras_reassessment_requests_la_child_status", "local_authority", "child_id", "status"),
        Index("ix_ras_reassessment_requests_la_status_due", "local_authority", "status", "due_by"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source_event_id: Mapped[str] = mapped_column(String(36))
    budget_id: Mapped[str] = mapped_column(String(36))
    review_id: Mapped[str | None] = mapped_column(String(36))
    plan_reference: Mapped[str | None] = mapped_column(String(80))
    local_authority: Mapped[str] = mapped_column(String(9))
    child_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(2000))
    requested_on: Mapped[date] = mapped_column(Date)
    due_by: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))  # open | completed
    assessment_id: Mapped[str | None] = mapped_column(String(36))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when the event was applied here
