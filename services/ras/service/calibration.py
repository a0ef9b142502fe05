"""Calibration what-if (RAS-07): the cohort's points are aggregated in SQL, the domain proposes the
conversion. Nothing is written: the proposal is for an administrator to turn into a new model version."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.errors import InvalidInput
from services.ras import repository as repo
from services.ras.domain import calibration as cal
from services.ras.domain.definition import Band, Bands, Conversion, ModelDefinition, PricePerPoint
from services.ras.models import RasModel
from services.ras.schemas import CalibrationCreate, CalibrationRead, StreamCalibration
from services.ras.service.questionnaires import ensure_valid, get_model
from services.ras.settings import RasSettings

ROUNDING = ("contingency rounded up to the penny; price per point in whole pence rounded down; band scale in "
            "whole basis points rounded down, each scaled band amount rounded down to the penny")
MAX_LISTED = 20


def _as_dict(conversion: Conversion) -> dict:
    if isinstance(conversion, Bands):
        return {"method": "bands", "bands": [asdict(b) for b in conversion.bands]}
    return {"method": "price_per_point", "pence_per_point": conversion.pence_per_point}


def _stream(stream: str, conversion: Conversion, sums: dict[str, int],
            budget: cal.Budget) -> StreamCalibration:
    points, counted = sums[f"{stream}.points"], sums[f"{stream}.counted"]
    common = {"assessments": counted, "referred": sums[f"{stream}.scored"] - counted, "total_points": points,
              "available_pence": budget.available_pence, "contingency_pence": budget.contingency_pence,
              "spendable_pence": budget.spendable_pence, "current": _as_dict(conversion)}
    if isinstance(conversion, PricePerPoint):
        price = cal.price_per_point(points, budget.spendable_pence)
        after = price * points
        return StreamCalibration(method="price_per_point", **common, scale_basis_points=None,
                                 proposed=_as_dict(PricePerPoint(price)),
                                 projected_before_pence=conversion.pence_per_point * points,
                                 projected_after_pence=after,
                                 unallocated_pence=budget.spendable_pence - after)
    counts = [(band.amount_pence, sums[f"{stream}.band{i}"]) for i, band in enumerate(conversion.bands)]
    factor = cal.band_scale(counts, budget.spendable_pence)
    after = cal.banded_total(counts, factor)
    proposed = Bands(tuple(Band(b.min_points, b.max_points, cal.scaled(b.amount_pence, factor))
                           for b in conversion.bands))
    return StreamCalibration(method="bands", **common, scale_basis_points=factor, proposed=_as_dict(proposed),
                             projected_before_pence=cal.banded_total(counts, cal.BASIS_POINTS),
                             projected_after_pence=after, unallocated_pence=budget.spendable_pence - after)


def _cohort_ids(body: CalibrationCreate) -> list[str] | None:
    if body.cohort is None:
        return None
    ids = list(dict.fromkeys(body.cohort))
    if not ids:
        raise InvalidInput.field("cohort", "the cohort is empty; give assessment ids, or null for every "
                                           "current assessment on the model", rule="RAS-07")
    return ids


@dataclass(frozen=True)
class Calibrated:
    """A calibration and what it was worked out from: the model version, the cohort asked for and its aggregates."""

    row: RasModel
    model: ModelDefinition
    cohort: list[str] | None
    sums: dict[str, int]
    read: CalibrationRead


async def calibrate(session: AsyncSession, *, caller: Caller, settings: RasSettings, model_id: str,
                    body: CalibrationCreate) -> CalibrationRead:
    """Per stream, the largest price per point (or band scale) whose cohort total fits the money available
    less the contingency (RAS-07); the model itself is left as it is."""
    row = await get_model(session, caller=caller, model_id=model_id)
    return (await calibrated(session, caller=caller, settings=settings, row=row, body=body)).read


async def calibrated(session: AsyncSession, *, caller: Caller, settings: RasSettings, row: RasModel,
                     body: CalibrationCreate) -> Calibrated:
    """``calibrate`` on a model version already loaded, keeping what the proposal was worked out from."""
    model = ensure_valid(row.definition, "the model is not valid, so it cannot be calibrated; every problem is in "
                                         "errors")
    unknown = [s for s in body.available_pence if s not in model.conversions]
    if unknown:
        raise InvalidInput("available_pence names a stream this model does not convert", rule="RAS-07",
                           errors=[{"field": f"available_pence.{s}",
                                    "message": "this model has no questions for "
                                    "this stream"} for s in unknown])
    ids = _cohort_ids(body)
    measures = {}
    for stream in body.available_pence:
        measures.update(repo.stream_measures(stream, model.conversions[stream], model.ceiling_points))
    sums = await repo.cohort_aggregates(session, caller, lineage_id=row.lineage_id, measures=measures,
                                        cohort=ids)
    if ids is not None and sums["size"] != len(ids):
        missing = await repo.missing_from_cohort(session, caller, lineage_id=row.lineage_id, cohort=ids)
        raise InvalidInput(f"{len(missing)} cohort id(s) are not assessments on this model", rule="RAS-07",
                           errors=[
            {"field": f"cohort[{ids.index(m)}]", "message": f"{m} is not an assessment on this model"}
            for m in missing[:MAX_LISTED]])
    if sums["size"] == 0:
        raise InvalidInput.field("cohort", "there are no assessments on this model to calibrate against",
                                 rule="RAS-07")
    percent = body.contingency_percent
    contingency_bp = int((settings.contingency_for(row.local_authority) if percent is None else percent) * 100)
    streams, errors = {}, []
    for stream, available in body.available_pence.items():
        budget = cal.budget_after_contingency(available, contingency_bp)
        try:
            streams[stream] = _stream(stream, model.conversions[stream], sums, budget)
        except cal.CannotCalibrate as exc:
            errors.append({"field": f"available_pence.{stream}", "message": str(exc)})
    if errors:
        raise InvalidInput("nothing to calibrate in " + ", ".join(e["field"] for e in errors),
                           rule="RAS-07", errors=errors)
    proposed = {s: _as_dict(c) for s, c in model.conversions.items()}
    proposed.update({s: c.proposed for s, c in streams.items()})
    return Calibrated(row, model, ids, sums, CalibrationRead(
        model_id=row.id, model_version=row.version, contingency_basis_points=contingency_bp,
        cohort_size=sums["size"], streams=streams,
        projected_before_pence=sum(c.projected_before_pence for c in streams.values()),
        projected_after_pence=sum(c.projected_after_pence for c in streams.values()),
        proposed_conversions=proposed, rounding=ROUNDING))
