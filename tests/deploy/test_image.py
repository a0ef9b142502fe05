"""The image: what the build context sends (.dockerignore, read with Docker's rules) and how the Dockerfile builds."""
import re

import pytest

from tests.deploy.manifests import ROOT


def ignore_rules() -> list[tuple[bool, re.Pattern]]:
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keep, pattern = line.startswith("!"), line.lstrip("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        rules.append((keep, re.compile(regex)))
    return rules


def sent(path: str) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent folders decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    decision = True
    for keep, regex in ignore_rules():
        if any(regex.fullmatch(c) for c in candidates):
            decision = keep
    return decision


@pytest.mark.parametrize("path", [
    ".venv/bin/python", ".venv/lib/python3.11/site-packages/x.py", "var/sendpb_payments.db", "var/x/y.sqlite3",
    ".git/HEAD", ".git/objects/ab/cd", "sendpb.db", "services/budget/local.db", "kit/__pycache__/auth.cpython-311.pyc",
    ".env", "tests/conftest.py", ".hypothesis/examples/x", "sendpb.egg-info/PKG-INFO",
])
def test_the_build_context_leaves_out_environments_history_and_personal_data(path):
    assert not sent(path)


@pytest.mark.parametrize("path", [
    "pyproject.toml", "README.md", "kit/auth.py", "services/budget/migrations/env.py", "gateway/app.py",
    "sendpb/cli.py", "services/ras/examples/x.json",
])
def test_the_build_context_carries_what_the_image_is_built_from(path):
    assert sent(path)


def stages() -> list[list[str]]:
    out: list[list[str]] = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("FROM "):
            out.append([])
        if out and line and not line.startswith("#"):
            out[-1].append(line)
    return out


def test_the_image_is_built_in_stages_from_a_base_pinned_by_version_and_digest():
    froms = [s[0] for s in stages()]
    assert len(froms) >= 3
    assert re.fullmatch(r"FROM python:3\.11\.\d+-slim-\w+@sha256:[0-9a-f]{64} AS base", froms[0])
    assert all(f.startswith("FROM base AS ") for f in froms[1:]), "every stage on the one pinned base"


def test_the_final_stage_runs_unprivileged_without_build_tools_or_sources():
    final = "\n".join(stages()[-1])
    assert re.search(r"^USER 10001:10001$", final, re.M)
    assert "pip uninstall --yes pip setuptools" in final
    assert not re.search(r"apt-get|build-essential|gcc|pip install", final)
    copies = re.findall(r"^COPY (.*)$", final, re.M)
    assert copies == ["--from=build /opt/venv /opt/venv"]
    assert 'ENTRYPOINT ["sendpb"]' in final
