"""The fuzzing harness finds what it is there to find: a 5xx, a response that breaks its documented schema, and
invalid data accepted, each on a small app built to have exactly that defect — and nothing on a sound one."""
import asyncio

import pytest
import schemathesis
from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from tests.fuzz.harness import LoopBridge, fuzz

TOKEN = {"Authorization": "Bearer x"}


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=20)


def defective(kind: str) -> FastAPI:
    app = FastAPI()

    if kind == "server-error":
        @app.post("/notes", status_code=201)
        async def create(note: Note) -> dict:
            raise RuntimeError("boom")

    elif kind == "schema-violation":
        @app.post("/notes", status_code=201, responses={201: {"content": {"application/json": {"schema": {
            "type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}}}}})
        async def create(note: Note) -> JSONResponse:
            return JSONResponse({"id": "not a number"}, status_code=201)

    elif kind == "accepts-invalid":
        @app.post("/notes", status_code=201, openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": {"type": "object", "required": ["text"], "additionalProperties": False,
                                            "properties": {"text": {"type": "string", "maxLength": 20}}}}}}})
        async def create(body: dict = Body(None)) -> dict:  # declares the schema, checks nothing
            return {"id": 1}

    else:
        @app.post("/notes", status_code=201)
        async def create(note: Note) -> dict:
            return {"id": 1}

    return app


@pytest.mark.parametrize("kind, found", [
    ("server-error", "Server error"),
    ("schema-violation", "Response violates schema"),
    ("accepts-invalid", "Schema-violating request accepted"),
])
async def test_the_harness_reports_each_kind_of_defect(kind, found):
    bridge = LoopBridge(defective(kind), asyncio.get_running_loop())
    figures = await asyncio.to_thread(fuzz, kind, bridge, headers=TOKEN, config=schemathesis.Config(), examples=10)
    assert figures.failures and found in "\n".join(figures.failures), figures.failures


async def test_the_harness_passes_a_sound_app_and_counts_what_it_sent():
    bridge = LoopBridge(defective("none"), asyncio.get_running_loop())
    figures = await asyncio.to_thread(fuzz, "sound", bridge, headers=TOKEN, config=schemathesis.Config(), examples=10)
    assert not figures.failures, figures.failures
    assert figures.operations == 1 and figures.examples["positive"] == 10 and figures.examples["negative"] > 0
    assert figures.reached == {"POST /notes"}
