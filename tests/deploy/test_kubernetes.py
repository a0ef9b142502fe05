"""The Kubernetes overlays render with kubectl's kustomize and give every component what operators rely on."""
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from kit.testing import unavailable
from sendpb.runner import SERVICES

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
COMPONENTS = [c.name for c in SERVICES] + ["gateway"]


def kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "kubectl"], capture_output=True, timeout=300)
        path = shutil.which("kubectl")
    if path is None:
        unavailable("kubectl (for `kubectl kustomize`) is not installed and could not be installed")
    return path


def render(overlay: str) -> list[dict]:
    out = subprocess.run([kubectl(), "kustomize", str(K8S / "overlays" / overlay)], capture_output=True,
                         text=True, check=True, timeout=120).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def index(docs: list[dict]) -> dict[tuple[str, str], dict]:
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


@pytest.fixture(scope="module", params=["dev", "prod"])
def overlay(request):
    return request.param, index(render(request.param))


def test_every_component_has_a_probed_resourced_deployment_service_hpa_and_pdb(overlay):
    name, docs = overlay
    for component in COMPONENTS:
        deployment = docs[("Deployment", f"sendpb-{component}")]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["args"][:3] == ["serve", "--target", component]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert {"cpu", "memory"} <= set(container["resources"]["limits"])
        refs = {kind: ref["name"] for e in container["envFrom"] for kind, ref in e.items()}
        # generated names carry a content hash suffix (dev); the operator's Secret keeps its name (prod)
        assert refs["configMapRef"].startswith("sendpb-config") and refs["secretRef"].startswith("sendpb-secrets")
        assert ("Service", f"sendpb-{component}") in docs
        hpa = docs[("HorizontalPodAutoscaler", f"sendpb-{component}")]
        assert hpa["spec"]["scaleTargetRef"]["name"] == f"sendpb-{component}"
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        pdb = docs[("PodDisruptionBudget", f"sendpb-{component}")]
        assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
        assert deployment["metadata"]["namespace"] == ("sendpb-dev" if name == "dev" else "sendpb")


def test_migrations_are_jobs_and_pods_do_not_migrate_at_start(overlay):
    _, docs = overlay
    for c in SERVICES:
        job = docs[("Job", f"sendpb-migrate-{c.name}")]
        assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate", "--service", c.name]
    config = next(d for (kind, _), d in docs.items() if kind == "ConfigMap")
    assert config["data"]["SENDPB_MIGRATE_ON_START"] == "false"


def test_config_and_secrets_are_separate_and_prod_carries_no_secret_values():
    dev, prod = index(render("dev")), index(render("prod"))
    assert any(kind == "Secret" for kind, _ in dev)
    assert not any(kind == "Secret" for kind, _ in prod), "prod secrets come from the operator, never the repo"
    prod_config = next(d for (kind, _), d in prod.items() if kind == "ConfigMap")
    assert prod_config["data"]["SENDPB_MODE"] == "prod"
    assert not any("password" in v.lower() or "://" in v and "@" in v for v in prod_config["data"].values())
    dev_config = next(d for (kind, _), d in dev.items() if kind == "ConfigMap")
    assert dev_config["data"]["SENDPB_MODE"] == "dev"


def test_the_gateway_routes_to_every_service_in_the_cluster(overlay):
    import json

    _, docs = overlay
    config = next(d for (kind, _), d in docs.items() if kind == "ConfigMap")
    upstreams = json.loads(config["data"]["SENDPB_GATEWAY_UPSTREAMS"])
    assert upstreams == {c.prefix: f"http://sendpb-{c.name}" for c in SERVICES}


def test_compose_and_kubernetes_run_the_same_components():
    compose = yaml.safe_load((K8S.parents[1] / "docker-compose.yml").read_text())["services"]
    assert {n for n in compose if n not in ("postgres", "rabbitmq", "migrate")} == set(COMPONENTS)
