"""Shared builders for the RAS tests: the shipped example model and answers that reach chosen points."""
from __future__ import annotations

import itertools
from typing import Any

from services.ras.service.examples import ecm_model

LEVELS = (("exceptional", 28), ("lots", 21), ("some", 8))


def questions_by_stream(model: dict) -> dict[str, list[str]]:
    by: dict[str, list[str]] = {}
    for q in model["questions"]:
        by.setdefault(q["stream"], []).append(q["id"])
    return by


def answers_for(model: dict, **points: int) -> dict[str, str]:
    """Answers to every example question giving each named stream exactly ``points`` (others 0)."""
    answers: dict[str, str] = {}
    for stream, ids in questions_by_stream(model).items():
        target = points.get(stream, 0)
        for counts in itertools.product(range(len(ids) + 1), repeat=3):
            reached = sum(c * p for c, (_, p) in zip(counts, LEVELS, strict=True))
            if sum(counts) <= len(ids) and reached == target:
                break
        else:
            raise ValueError(f"{target} points cannot be reached in {stream}")
        chosen = [level for (level, _), c in zip(LEVELS, counts, strict=True) for _ in range(c)]
        chosen += ["none"] * (len(ids) - len(chosen))
        answers.update(zip(ids, chosen, strict=True))
    return answers


def assessment_body(la: str, child_id: str, answers: dict[str, str], **extra: Any) -> dict:
    return {"child_id": child_id, "local_authority": la, "answers": answers, **extra}


async def published_example(client, headers: dict[str, str], la: str, **changes: Any) -> dict:
    """Create and publish the example model (with ``changes`` to its body); returns the published model."""
    body = {**ecm_model(la), **changes}
    created = await client.post("/v1/ras/models", json=body, headers=headers)
    assert created.status_code == 201, created.text
    published = await client.post(f"/v1/ras/models/{created.json()['id']}/publish", headers=headers)
    assert published.status_code == 200, published.text
    return published.json()
