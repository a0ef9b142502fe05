import uuid
from pathlib import Path

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import DateTime, String, select
from sqlalchemy.orm import Mapped, mapped_column

from kit.auth import caller_with
from kit.db import make_base
from kit.errors import Conflict
from kit.events import Envelope, utcnow
from kit.idempotency import IdempotencyKey, idempotent
from kit.inbox import Consumers
from kit.outbox import add_event
from kit.service import ServiceSpec, SessionDep, build_app
from kit.settings import ServiceSettings
from kit.tenancy import found, scoped

Base = make_base()


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_authority: Mapped[str] = mapped_column(String(9), index=True)
    text: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[object] = mapped_column(DateTime(timezone=True))


class Seen(Base):
    __tablename__ = "seen"
    note_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    text: Mapped[str] = mapped_column(String(200))


class NoteCreate(BaseModel):
    local_authority: str = Field(pattern=r"^E\d{8}$")
    text: str = Field(min_length=1, max_length=200)


router = APIRouter()
Casework = caller_with("casework")
Reader = caller_with("casework", "read")


@router.post("/notes", status_code=201)
async def create_note(body: NoteCreate, request: Request, session: SessionDep, caller: Casework,
                      key: IdempotencyKey = None):
    caller.ensure_la(body.local_authority)

    async def produce():
        note = Note(id=str(uuid.uuid4()), local_authority=body.local_authority, text=body.text, created_at=utcnow())
        session.add(note)
        await add_event(session, Envelope(type="probe.note_created.v1", producer="probe",
                                          local_authority=note.local_authority,
                                          payload={"note_id": note.id, "text": note.text}))
        await session.flush()
        if body.text == "explode-after-write":
            raise Conflict("refused after writing: nothing may survive", rule="TEST-01")
        return 201, {"id": note.id, "local_authority": note.local_authority, "text": note.text}

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("/notes/{note_id}")
async def read_note(note_id: str, session: SessionDep, caller: Reader):
    note = (await session.execute(scoped(select(Note).where(Note.id == note_id), Note.local_authority,
                                         caller))).scalar_one_or_none()
    found(note, "note", note_id)
    return {"id": note.id, "local_authority": note.local_authority, "text": note.text}


@router.get("/seen")
async def seen(session: SessionDep, caller: Reader) -> dict[str, str]:
    return {s.note_id: s.text for s in (await session.execute(select(Seen))).scalars()}


consumers = Consumers()
ATTEMPTS: dict[str, int] = {}
PUBLISHERS: dict[str, list[str | None]] = {}  # note id -> who published each delivery of it (Envelope.publisher)


@consumers.on("probe.note_created.v1")
async def on_note_created(session, envelope: Envelope, settings) -> None:
    ATTEMPTS[envelope.payload["note_id"]] = ATTEMPTS.get(envelope.payload["note_id"], 0) + 1
    PUBLISHERS.setdefault(envelope.payload["note_id"], []).append(envelope.publisher)
    if envelope.payload["text"].startswith("poison"):
        raise RuntimeError("cannot digest this note")
    if envelope.payload["text"].startswith("flaky") and ATTEMPTS[envelope.payload["note_id"]] < 3:
        raise RuntimeError("transient failure")
    session.add(Seen(note_id=envelope.payload["note_id"], event_id=str(envelope.event_id),
                     text=envelope.payload["text"]))


class ProbeSettings(ServiceSettings):
    pass


SPEC = ServiceSpec(name="probe", prefix="probe", title="probe", description="kit test service",
                   migrations=Path(__file__).parent / "migrations", settings_cls=ProbeSettings,
                   routers=[router], consumers=consumers)


def create_app(platform, *, settings=None, bus=None, manage_runtime=True):
    return build_app(SPEC, platform, settings=settings, bus=bus, manage_runtime=manage_runtime)
