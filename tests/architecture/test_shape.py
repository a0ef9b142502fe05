"""Every service has the same shape (docs/DEVELOPING.md): learn one, know all five. A failure says which service
lacks which file, or holds a module the shape has no place for."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from tests.architecture.contracts import SERVICES

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ("README.md", "__init__.py", "app.py", "settings.py", "models.py", "schemas.py", "events.py",
            "domain/__init__.py", "service/__init__.py", "routers/__init__.py", "migrations/env.py")
MODULES = {"__init__.py", "app.py", "settings.py", "models.py", "schemas.py", "events.py", "handlers.py",
           "repository.py"}
PACKAGES = {"domain", "service", "routers", "repository", "migrations"}


def _consumes(service: str) -> bool:
    return bool(importlib.import_module(f"services.{service}.app").SPEC.consumers.routing_keys)


def shape_problems(service: str) -> list[str]:
    home = ROOT / "services" / service
    problems = [f"services/{service}/{name} is missing" for name in REQUIRED if not (home / name).exists()]
    if not (home / "repository.py").exists() and not (home / "repository" / "__init__.py").exists():
        problems.append(f"services/{service}/repository.py (or repository/__init__.py) is missing")
    has_handlers = (home / "handlers.py").exists()
    if _consumes(service) and not has_handlers:
        problems.append(f"services/{service}/handlers.py is missing: the service consumes events")
    if has_handlers and not _consumes(service):
        problems.append(f"services/{service}/handlers.py is there but the service consumes no event")
    for path in sorted(home.iterdir()):
        if path.name.startswith(".") or path.name == "__pycache__" or path.name == "README.md":
            continue
        if path.is_file() and path.suffix == ".py" and path.name not in MODULES:
            problems.append(f"services/{service}/{path.name} has no place in the shape (domain/, service/, "
                            "routers/ or kit/?)")
        if path.is_dir() and path.name not in PACKAGES and any(path.rglob("*.py")):
            problems.append(f"services/{service}/{path.name}/ holds Python but is not one of {sorted(PACKAGES)}")
    return problems


@pytest.mark.parametrize("service", SERVICES)
def test_service_has_the_shape(service):
    assert shape_problems(service) == []


@pytest.mark.parametrize("service", SERVICES)
def test_readme_points_at_files_that_exist(service):
    """The README's rule table (rule → where enforced → where proved) names files that exist."""
    readme = (ROOT / "services" / service / "README.md").read_text()
    cited = set(re.findall(r"`((?:services|tests|kit)/[\w/.-]+\.py)", readme))
    assert cited, f"services/{service}/README.md cites no file: it should say where each rule is enforced and proved"
    assert sorted(p for p in cited if not (ROOT / p).exists()) == []


def test_the_shape_check_can_fail(tmp_path, monkeypatch):
    """A service with a stray module and no routers/ is reported, file by file (eligibility consumes no event, so
    it needs no handlers.py)."""
    fake = tmp_path / "services" / "eligibility"
    for name in REQUIRED:
        if name != "routers/__init__.py":
            (fake / name).parent.mkdir(parents=True, exist_ok=True)
            (fake / name).write_text("")
    (fake / "repository.py").write_text("")
    (fake / "views.py").write_text("")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert shape_problems("eligibility") == [
        "services/eligibility/routers/__init__.py is missing",
        "services/eligibility/views.py has no place in the shape (domain/, service/, routers/ or kit/?)",
    ]
