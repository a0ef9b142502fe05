"""A real policy checker (checkov, pinned in deploy/checks/install-checkov) on what would be deployed: each overlay as
`kubectl kustomize` renders it, and the Dockerfile. Zero findings beyond deploy/checks/checkov-baseline.yaml, whose
every entry carries its reason and must still match something."""
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from kit.testing import unavailable
from tests.deploy.manifests import ROOT, render_text

BASELINE = yaml.safe_load((ROOT / "deploy" / "checks" / "checkov-baseline.yaml").read_text())
INSTALL = ROOT / "deploy" / "checks" / "install-checkov"


def checkov() -> Path:
    path = Path(os.environ.get("SENDPB_CHECKOV", ROOT / ".venv" / "tools" / "checkov" / "bin" / "checkov"))
    if not path.exists():
        subprocess.run([str(INSTALL)], capture_output=True, timeout=600)
    if not path.exists():
        unavailable(f"checkov is not installed at {path} and {INSTALL.relative_to(ROOT)} could not install it")
    return path


def findings(framework: str, file: Path) -> list[tuple[str, str]]:
    """(check id, resource kind) of every failed check; --skip-download keeps checkov off the network."""
    out = subprocess.run([str(checkov()), "--framework", framework, "-f", str(file), "--skip-download", "--quiet",
                          "--compact", "--output", "json"], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip(), out.stderr[-2000:]
    reports = json.loads(out.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert all(r["summary"]["parsing_errors"] == 0 and r["summary"]["passed"] > 0 for r in reports), out.stdout[:500]
    return [(f["check_id"], f["resource"].split(".")[0]) for r in reports for f in r["results"]["failed_checks"]]


def unexplained(found: list[tuple[str, str]], entries: list[dict], overlay: str | None = None):
    def covers(entry, check, kind):
        return entry["check"] == check and (overlay is None or overlay in entry["overlays"]) and (
            "kinds" not in entry or kind in entry["kinds"])
    relevant = [e for e in entries if overlay is None or overlay in e["overlays"]]
    return ({(check, kind) for check, kind in found if not any(covers(e, check, kind) for e in relevant)},
            [e["check"] for e in relevant if not any(covers(e, check, kind) for check, kind in found)])


def test_every_baseline_entry_gives_its_reason():
    for entry in BASELINE["kubernetes"] + BASELINE["dockerfile"]:
        assert len(entry["reason"].split()) >= 15, entry["check"]
        assert set(entry.get("overlays", ["dev", "prod"])) <= {"dev", "prod"}


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_the_rendered_overlay_has_no_finding_beyond_the_baseline(overlay, tmp_path):
    rendered = tmp_path / f"{overlay}.yaml"
    rendered.write_text(render_text(overlay))
    new, stale = unexplained(findings("kubernetes", rendered), BASELINE["kubernetes"], overlay)
    assert not new, f"checkov findings not in deploy/checks/checkov-baseline.yaml: {sorted(new)}"
    assert not stale, f"baseline entries that match nothing any more (remove them): {stale}"


def test_the_dockerfile_has_no_finding_beyond_the_baseline():
    new, stale = unexplained(findings("dockerfile", ROOT / "Dockerfile"), BASELINE["dockerfile"])
    assert not new, f"checkov findings not in deploy/checks/checkov-baseline.yaml: {sorted(new)}"
    assert not stale, f"baseline entries that match nothing any more (remove them): {stale}"
