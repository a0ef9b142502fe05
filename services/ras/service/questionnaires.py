"""RAS model versions: create a draft, create a new version, publish (RAS-01)."""
from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.errors import Conflict, InvalidInput, RuleViolation
from kit.events import utcnow
from kit.tenancy import found
from services.ras import repository as repo
from services.ras.domain.definition import ModelDefinition, problems
from services.ras.models import RasModel
from services.ras.schemas import ModelCreate, ModelVersionCreate


def _definition(body: ModelVersionCreate) -> dict:
    return body.model_dump(mode="json", include={"questions", "conversions", "ceiling_points"})


async def get_model(session: AsyncSession, *, caller: Caller, model_id: str) -> RasModel:
    """A model version in the caller's LAs, or 404."""
    return found(await repo.model(session, caller, model_id), "RAS model", model_id)


async def create_model(session: AsyncSession, *, caller: Caller, body: ModelCreate) -> RasModel:
    """Version 1 of a new model, as a draft."""
    caller.ensure_la(body.local_authority)
    model_id = str(uuid.uuid4())
    row = RasModel(id=model_id, lineage_id=model_id, version=1, previous_version_id=None,
                   local_authority=body.local_authority, name=body.name, status="draft",
                   definition=_definition(body), created_by=caller.client_id, created_at=utcnow(),
                   published_at=None)
    session.add(row)
    await session.flush()
    return row


async def create_version(session: AsyncSession, *, caller: Caller, model_id: str,
                         body: ModelVersionCreate) -> RasModel:
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
    return row


async def publish(session: AsyncSession, *, caller: Caller, model_id: str) -> RasModel:
    """Publish a valid draft: it becomes immutable and the LA's active model; earlier versions stay readable
    and keep their assessments. An invalid model is refused with every problem listed (RAS-01, RAS-03,
    RAS-04)."""
    row = await get_model(session, caller=caller, model_id=model_id)
    if row.status != "draft":
        raise RuleViolation(f"RAS model {model_id} version {row.version} is already published and can never "
                            "change; create a new version to edit it", rule="RAS-01")
    found_problems = problems(ModelDefinition.from_dict(row.definition))
    if found_problems:
        raise InvalidInput(f"the model has {len(found_problems)} problem(s); every one is listed in errors",
                           rule=found_problems[0].rule, errors=[p.as_error() for p in found_problems])
    now = utcnow()
    if not await repo.mark_published(session, row.id, now):
        raise RuleViolation(f"RAS model {model_id} was published meanwhile", rule="RAS-01")
    row.status, row.published_at = "published", now
    return row
