"""Rendering the Kubernetes overlays as an operator's `kubectl apply -k` would, shared by the deployment tests."""
import functools
import shutil
import subprocess
from pathlib import Path

import yaml

from kit.testing import unavailable
from sendpb.runner import SERVICES

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
COMPONENTS = [c.name for c in SERVICES] + ["gateway"]


def kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "kubectl"], capture_output=True, timeout=300)
        path = shutil.which("kubectl")
    if path is None:
        unavailable("kubectl (for `kubectl kustomize`) is not installed and could not be installed")
    return path


def render_text(overlay: str | Path) -> str:
    path = overlay if isinstance(overlay, Path) else K8S / "overlays" / overlay
    return subprocess.run([kubectl(), "kustomize", str(path)], capture_output=True, text=True, check=True,
                          timeout=120).stdout


@functools.cache
def _render(overlay: str) -> tuple[dict, ...]:
    return tuple(d for d in yaml.safe_load_all(render_text(overlay)) if d)


def render(overlay: str) -> list[dict]:
    return list(_render(overlay))


def index(docs: list[dict]) -> dict[tuple[str, str], dict]:
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def of_kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def component_of(doc: dict) -> str:
    return doc["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]
