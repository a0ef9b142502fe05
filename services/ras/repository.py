"""Every query of the ras service. Reads on behalf of a caller are scoped to their LAs (kit.tenancy)."""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from kit.auth import Caller
from kit.pagination import newest_first, page_of
from kit.tenancy import scoped
from services.ras.domain.definition import Bands, Conversion
from services.ras.domain.reassessment import COMPLETED, OPEN
from services.ras.models import POINT_COLUMNS, Assessment, RasModel, ReassessmentRequest


async def model(session: AsyncSession, caller: Caller, model_id: str) -> RasModel | None:
    stmt = scoped(select(RasModel).where(RasModel.id == model_id), RasModel.local_authority, caller)
    return (await session.execute(stmt)).scalar_one_or_none()


async def active_model(session: AsyncSession, local_authority: str) -> RasModel | None:
    """The LA's active model: its most recently published version."""
    stmt = (select(RasModel).where(RasModel.local_authority == local_authority,
                                   RasModel.status == "published")
            .order_by(RasModel.published_at.desc(), RasModel.id.desc()).limit(1))
    return (await session.execute(stmt)).scalar_one_or_none()


async def _page(session: AsyncSession, caller: Caller,
                table: type[RasModel] | type[Assessment] | type[ReassessmentRequest],
                filters: Sequence[tuple[InstrumentedAttribute, str | None]], *, limit: int,
                cursor: str | None, where: Sequence[ColumnElement[bool]] = ()) -> tuple[list[Any], str | None]:
    """One page of ``table`` in the caller's LAs, newest first, where each filter's column equals its value (a
    filter without a value is left out) and every ``where`` holds; and the next page's cursor."""
    stmt = scoped(select(table), table.local_authority, caller).where(*where)
    for column, value in filters:
        if value:
            stmt = stmt.where(column == value)
    stmt = newest_first(stmt, table.created_at, table.id, limit=limit, cursor=cursor)
    return page_of(list((await session.execute(stmt)).scalars()), limit=limit)


async def models(session: AsyncSession, caller: Caller, *, local_authority: str | None,
                 lineage_id: str | None,
                 limit: int, cursor: str | None) -> tuple[list[RasModel], str | None]:
    return await _page(session, caller, RasModel, [(RasModel.local_authority, local_authority),
                                                   (RasModel.lineage_id, lineage_id)], limit=limit, cursor=cursor)


async def next_version(session: AsyncSession, lineage_id: str) -> int:
    stmt = select(func.coalesce(func.max(RasModel.version), 0)).where(RasModel.lineage_id == lineage_id)
    return int((await session.execute(stmt)).scalar_one()) + 1


async def assessment(session: AsyncSession, caller: Caller, assessment_id: str) -> Assessment | None:
    stmt = scoped(select(Assessment).where(Assessment.id == assessment_id), Assessment.local_authority,
                  caller)
    return (await session.execute(stmt)).scalar_one_or_none()


async def superseded_by(session: AsyncSession, assessment_id: str) -> str | None:
    stmt = select(Assessment.id).where(Assessment.supersedes_assessment_id == assessment_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def assessments(session: AsyncSession, caller: Caller, *, child_id: str | None,
                      local_authority: str | None,
                      limit: int, cursor: str | None) -> tuple[list[Assessment], str | None]:
    return await _page(session, caller, Assessment, [(Assessment.child_id, child_id),
                                                     (Assessment.local_authority, local_authority)],
                       limit=limit, cursor=cursor)


# ------------------------------------------------------------------ calibration aggregates (RAS-07)
def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def stream_measures(stream: str, conversion: Conversion, ceiling: int | None) -> dict[str, ColumnElement]:
    """Labelled aggregates for one stream: ``points`` and ``counted`` over assessments not referred to panel,
    ``scored`` (any points in the stream) and, for bands, one count per band ``band<i>``."""
    column, within = _scored_within(stream, ceiling)
    measures = {
        f"{stream}.points": func.coalesce(func.sum(case((within, column), else_=0)), 0),
        f"{stream}.highest": func.coalesce(func.max(case((within, column))), 0),
        f"{stream}.counted": _count(within),
        f"{stream}.scored": func.count(column),
    }
    if isinstance(conversion, Bands):
        for i, band in enumerate(conversion.bands):
            measures[f"{stream}.band{i}"] = _count(and_(within, column.between(band.min_points,
                                                                               band.max_points)))
    return measures


async def cohort_aggregates(session: AsyncSession, caller: Caller, *, lineage_id: str,
                            measures: dict[str, ColumnElement],
                            cohort: Sequence[str] | None) -> dict[str, int]:
    """SUMs over the cohort in SQL, never a loop over rows. ``cohort=None`` means every current (not
    superseded) assessment on any version of the model; ``size`` is how many assessments were aggregated."""
    labelled = [func.count().label("size"),
                *(expr.label(name.replace(".", "__")) for name, expr in measures.items())]
    stmt = _in_cohort(session, caller, select(*labelled), lineage_id=lineage_id, cohort=cohort)
    return _as_ints((await session.execute(stmt)).one())


async def points_histogram(session: AsyncSession, caller: Caller, *, lineage_id: str, stream: str,
                           ceiling: int | None, width: int, cohort: Sequence[str] | None) -> dict[int, int]:
    """How many of the cohort's assessments (those not referred to panel in ``stream``) scored in each range of
    ``width`` points: ``{points // width: assessments}``, grouped in SQL (ranges with none are left out)."""
    column, within = _scored_within(stream, ceiling)
    bucket = (column // width).label("bucket")
    stmt = _in_cohort(session, caller, select(bucket, func.count()), lineage_id=lineage_id, cohort=cohort)
    rows = await session.execute(stmt.where(within).group_by(bucket))
    return {int(b): int(n) for b, n in rows}


def _scored_within(stream: str, ceiling: int | None) -> tuple[InstrumentedAttribute, ColumnElement[bool]]:
    """The stream's points column, and "scored in the stream and not above the ceiling" (not referred, RAS-04)."""
    column = getattr(Assessment, POINT_COLUMNS[stream])
    return column, column.is_not(None) if ceiling is None else column <= ceiling


def _in_cohort(session: AsyncSession, caller: Caller, stmt: Select, *, lineage_id: str,
               cohort: Sequence[str] | None) -> Select:
    """``stmt`` over the cohort: the listed assessments, or with ``None`` every current (not superseded) one on
    any version of the model; in the caller's LAs either way."""
    stmt = scoped(stmt.where(_on_model(lineage_id)), Assessment.local_authority, caller)
    if cohort is None:
        later = aliased(Assessment)
        return stmt.where(~exists().where(later.supersedes_assessment_id == Assessment.id))
    return stmt.where(_among(session, cohort))


def _on_model(lineage_id: str) -> ColumnElement[bool]:
    return Assessment.model_id.in_(select(RasModel.id).where(RasModel.lineage_id == lineage_id))


def _among(session: AsyncSession, ids: Sequence[str]) -> ColumnElement[bool]:
    """``Assessment.id`` is one of ``ids``, sent as ONE parameter (an array; a JSON list on SQLite): a cohort
    of 100,000 ids needs neither 100,000 bound parameters nor a query per chunk."""
    if session.bind.dialect.name == "postgresql":
        return Assessment.id == any_(bindparam("cohort_ids", list(ids), type_=ARRAY(String)))
    listed = func.json_each(bindparam("cohort_ids", json.dumps(list(ids)))).table_valued("value")
    return Assessment.id.in_(select(listed.c.value))


def _as_ints(row: Any) -> dict[str, int]:
    return {name.replace("__", "."): int(value or 0) for name, value in row._mapping.items()}


async def missing_from_cohort(session: AsyncSession, caller: Caller, *, lineage_id: str,
                              cohort: Sequence[str]) -> list[str]:
    """The cohort ids that are not assessments on this model in the caller's LAs."""
    stmt = scoped(select(Assessment.id).where(_on_model(lineage_id), _among(session, cohort)),
                  Assessment.local_authority, caller)
    known = set((await session.execute(stmt)).scalars())
    return [i for i in cohort if i not in known]


async def mark_published(session: AsyncSession, model_id: str, published_at: datetime) -> bool:
    """Publish a draft; False when it was not a draft any more (already published, perhaps concurrently)."""
    result = await session.execute(update(RasModel).where(RasModel.id == model_id, RasModel.status == "draft")
                                   .values(status="published", published_at=published_at))
    return result.rowcount == 1


# ------------------------------------------------------------------ re-assessment requests (BUD-12)
_INSERT_ONCE = {name: dialect.insert(ReassessmentRequest)
                .on_conflict_do_nothing(index_elements=[ReassessmentRequest.source_event_id])
                .returning(ReassessmentRequest.id)
                for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


async def add_reassessment_request_once(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the request unless one was recorded from the same source event; True when it was inserted."""
    connection = await session.connection()
    result = await connection.execute(_INSERT_ONCE[connection.dialect.name], values)
    return result.scalar_one_or_none() is not None


async def complete_open_reassessments(session: AsyncSession, *, local_authority: str, child_id: str,
                                      assessment_id: str, completed_at: datetime) -> list[str]:
    """Complete every open request of the child in the LA with the assessment; the ids completed. One UPDATE:
    two assessments racing complete each request once (the second finds it no longer open)."""
    r = ReassessmentRequest
    stmt = (update(r).where(r.local_authority == local_authority, r.child_id == child_id, r.status == OPEN)
            .values(status=COMPLETED, assessment_id=assessment_id, completed_at=completed_at)
            .returning(r.id).execution_options(synchronize_session=False))
    return sorted((await session.execute(stmt)).scalars())


async def reassessment_request(session: AsyncSession, caller: Caller, request_id: str) -> ReassessmentRequest | None:
    stmt = scoped(select(ReassessmentRequest).where(ReassessmentRequest.id == request_id),
                  ReassessmentRequest.local_authority, caller)
    return (await session.execute(stmt)).scalar_one_or_none()


async def reassessment_request_of_event(session: AsyncSession, source_event_id: str) -> ReassessmentRequest:
    stmt = select(ReassessmentRequest).where(ReassessmentRequest.source_event_id == source_event_id)
    return (await session.execute(stmt)).scalar_one()


async def reassessment_requests(session: AsyncSession, caller: Caller, *, local_authority: str | None,
                                status: str | None, child_id: str | None, overdue_on: date | None, limit: int,
                                cursor: str | None) -> tuple[list[ReassessmentRequest], str | None]:
    """A page of requests in the caller's LAs, newest first; ``overdue_on`` keeps those still open whose due date
    is before that day."""
    r = ReassessmentRequest
    where = [] if overdue_on is None else [r.status == OPEN, r.due_by < overdue_on]
    return await _page(session, caller, r, [(r.local_authority, local_authority), (r.status, status),
                                            (r.child_id, child_id)], limit=limit, cursor=cursor, where=where)
