"""RAS model versions: create a draft, create a new version, publish (RAS-01), and read them."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.errors import Conflict, InvalidInput, RuleViolation
from kit.events import utcnow
from kit.tenancy import found
from services.ras import repository as repo
from services.ras.domain.definition import ModelDefinition, Validation, validate
from services.ras.models import RasModel
from services.ras.schemas import ModelCreate, ModelVersionCreate


@dataclass(frozen=True)
class ModelVersion:
    """A model version as its readers see it (``schemas.ModelRead``): the stored version, whose columns it reads
    through, whether it is its local authority's active model, and what would stop its publication."""

    row: RasModel
    active: bool

    def __getattr__(self, name: str) -> Any:  # only for what is not defined here: the row's columns
        if name == "row":
            raise AttributeError(name)
        return getattr(self.row, name)

    @property
    def questions(self) -> list[dict]:
        return self.row.definition["questions"]

    @property
    def conversions(self) -> dict[str, dict]:
        return self.row.definition["conversions"]

    @property
    def ceiling_points(self) -> int | None:
        return self.row.definition.get("ceiling_points")

    @property
    def validation(self) -> Validation:
        return validate(ModelDefinition.from_dict(self.row.definition))


def ensure_valid(definition: dict[str, Any], message: str) -> ModelDefinition:
    """The model, or a 422 listing every problem that stops its publication (RAS-01, RAS-03, RAS-04)."""
    model = ModelDefinition.from_dict(definition)
    validation = validate(model)
    if not validation.valid:
        raise InvalidInput(message.format(count=len(validation.problems)), rule=validation.problems[0].rule,
                           errors=validation.errors)
    return model


def _definition(body: ModelVersionCreate) -> dict:
    return body.model_dump(mode="json", include={"questions", "conversions", "ceiling_points"})


async def get_model(session: AsyncSession, *, caller: Caller, model_id: str) -> RasModel:
    """A model version in the caller's LAs, or 404."""
    return found(await repo.model(session, caller, model_id), "RAS model", model_id)


async def _version(session: AsyncSession, row: RasModel) -> ModelVersion:
    active = await repo.active_model(session, row.local_authority)
    return ModelVersion(row, active=active is not None and active.id == row.id)


async def read_model(session: AsyncSession, *, caller: Caller, model_id: str) -> ModelVersion:
    """A model version in the caller's LAs, with whether it is active and its validation; or 404."""
    return await _version(session, await get_model(session, caller=caller, model_id=model_id))


async def active_model(session: AsyncSession, *, caller: Caller, local_authority: str) -> ModelVersion:
    """The LA's active model (its most recently published version), or 404 when it has none or it is not one of
    the caller's LAs."""
    row = await repo.active_model(session, local_authority) if local_authority in caller.las else None
    return ModelVersion(found(row, "active RAS model of", local_authority), active=True)


async def list_models(session: AsyncSession, *, caller: Caller, local_authority: str | None,
                      lineage_id: str | None, limit: int, cursor: str | None) -> tuple[list[RasModel], str | None]:
    """Model versions in the caller's LAs, newest first, and the next page's cursor."""
    return await repo.models(session, caller, local_authority=local_authority, lineage_id=lineage_id,
                             limit=limit, cursor=cursor)


async def create_model(session: AsyncSession, *, caller: Caller, body: ModelCreate) -> ModelVersion:
    """Version 1 of a new model, as a draft."""
    caller.ensure_la(body.local_authority)
    model_id = str(uuid.uuid4())
    row = RasModel(id=model_id, lineage_id=model_id, version=1, previous_version_id=None,
                   local_authority=body.local_authority, name=body.name, status="draft",
                   definition=_definition(body), created_by=caller.client_id, created_at=utcnow(),
                   published_at=None)
    session.add(row)
    await session.flush()
    return await _version(session, row)


async def create_version(session: AsyncSession, *, caller: Caller, model_id: str,
                         body: ModelVersionCreate) -> ModelVersion:
    """A new draft version of the model ``model_id`` belongs to; published versions never change (RAS-01)."""
    source = await get_model(session, caller=caller, model_id=model_id)
    row = RasModel(id=str(uuid.uuid4()), lineage_id=source.lineage_id,
                   version=await repo.next_version(session, source.lineage_id), previous_version_id=source.id,
                   local_authority=source.local_authority, name=body.name or source.name, status="draft",
                   definition=_definition(body), created_by=caller.client_id, created_at=utcnow(),
                   published_at=None)
    session.add(row)
    try:
        await session.flush()  # a failed flush leaves the transaction to be rolled back at the boundary
    except IntegrityError:
        raise Conflict("another version of this model was created at the same moment; retry") from None
    return await _version(session, row)


async def publish(session: AsyncSession, *, caller: Caller, model_id: str) -> ModelVersion:
    """Publish a valid draft: it becomes immutable and the LA's active model; earlier versions stay readable
    and keep their assessments. An invalid model is refused with every problem listed (RAS-01, RAS-03,
    RAS-04)."""
    row = await get_model(session, caller=caller, model_id=model_id)
    if row.status != "draft":
        raise RuleViolation(f"RAS model {model_id} version {row.version} is already published and can never "
                            "change; create a new version to edit it", rule="RAS-01")
    ensure_valid(row.definition, "the model has {count} problem(s); every one is listed in errors")
    now = utcnow()
    if not await repo.mark_published(session, row.id, now):
        raise RuleViolation(f"RAS model {model_id} was published meanwhile", rule="RAS-01")
    row.status, row.published_at = "published", now
    return await _version(session, row)
