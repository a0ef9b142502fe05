"""The Kubernetes overlays render with kubectl's kustomize and give every component what operators rely on."""
import shutil

import pytest
import yaml

from sendpb.runner import SERVICES
from tests.deploy.manifests import COMPONENTS, K8S, component_of, index, of_kind, render, render_text


@pytest.fixture(scope="module", params=["dev", "prod"])
def overlay(request):
    return request.param, index(render(request.param))


def test_every_component_has_a_probed_resourced_deployment_service_hpa_and_pdb(overlay):
    name, docs = overlay
    for component in COMPONENTS:
        deployment = docs[("Deployment", f"sendpb-{component}")]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["args"][:3] == ["serve", "--target", component]
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
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
    jobs = {component_of(job): job for job in of_kind(list(docs.values()), "Job")}
    assert set(jobs) == {f"migrate-{c.name}" for c in SERVICES}
    for c in SERVICES:
        assert jobs[f"migrate-{c.name}"]["spec"]["template"]["spec"]["containers"][0]["args"] == [
            "migrate", "--service", c.name]
    config = next(d for (kind, _), d in docs.items() if kind == "ConfigMap")
    assert config["data"]["SENDPB_MIGRATE_ON_START"] == "false"


def release_tag(docs: dict) -> str:
    image = docs[("Deployment", "sendpb-gateway")]["spec"]["template"]["spec"]["containers"][0]["image"]
    return image.split("@")[0].rsplit(":", 1)[1]


def test_migration_jobs_are_named_for_the_release_they_migrate_to(overlay):
    _, docs = overlay
    tag = release_tag(docs)
    for job in of_kind(list(docs.values()), "Job"):
        service = component_of(job).removeprefix("migrate-")
        assert job["metadata"]["name"] == f"sendpb-migrate-{service}-{tag}"
        assert job["spec"]["template"]["spec"]["containers"][0]["image"].split("@")[0].endswith(f":{tag}")
        assert len(job["metadata"]["name"]) <= 63, "the Job controller puts the name in a label"


def test_a_new_release_gets_new_migration_jobs_and_a_digest_does_not_rename_them(tmp_path):
    """`kubectl apply` cannot change a finished Job: a release re-runs migrations only if its Jobs are new."""
    shutil.copytree(K8S, tmp_path / "k8s")
    kustomization = tmp_path / "k8s" / "overlays" / "prod" / "kustomization.yaml"
    spec = yaml.safe_load(kustomization.read_text())
    spec["images"] = [{"name": "sendpb", "newName": "registry.example.org/sendpb", "newTag": "0.2.0",
                       "digest": "sha256:" + "ab" * 32}]
    kustomization.write_text(yaml.safe_dump(spec))
    docs = [d for d in yaml.safe_load_all(render_text(tmp_path / "k8s" / "overlays" / "prod")) if d]
    before = {j["metadata"]["name"] for j in of_kind(render("prod"), "Job")}
    after = {j["metadata"]["name"] for j in of_kind(docs, "Job")}
    assert after == {f"sendpb-migrate-{c.name}-0.2.0" for c in SERVICES}
    assert not before & after
    assert all(j["spec"]["template"]["spec"]["containers"][0]["image"].endswith("@sha256:" + "ab" * 32)
               for j in of_kind(docs, "Job"))


def test_migration_jobs_run_under_the_same_security_as_the_deployments(overlay):
    _, docs = overlay
    pods = [d["spec"]["template"]["spec"] for d in docs.values() if d["kind"] in ("Deployment", "Job")]
    deployment_pod = docs[("Deployment", "sendpb-gateway")]["spec"]["template"]["spec"]
    for pod in pods:
        assert pod["securityContext"] == deployment_pod["securityContext"]
        assert pod["automountServiceAccountToken"] is False
        assert pod["containers"][0]["securityContext"] == deployment_pod["containers"][0]["securityContext"]
    assert deployment_pod["securityContext"]["runAsNonRoot"] is True
    assert deployment_pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert deployment_pod["containers"][0]["securityContext"] == {
        "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}


def test_prod_is_reached_only_over_tls_through_the_ingress():
    docs = index(render("prod"))
    ingresses = of_kind(list(docs.values()), "Ingress")
    assert len(ingresses) == 1
    spec = ingresses[0]["spec"]
    hosts = {rule["host"] for rule in spec["rules"]}
    assert hosts and hosts <= {h for tls in spec["tls"] for h in tls["hosts"]}
    assert all(tls["secretName"] for tls in spec["tls"])
    backends = {p["backend"]["service"]["name"] for rule in spec["rules"] for p in rule["http"]["paths"]}
    assert backends == {"sendpb-gateway"}
    assert ingresses[0]["metadata"]["annotations"]["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
    assert not of_kind(render("dev"), "Ingress")
    assert all(s["spec"].get("type", "ClusterIP") == "ClusterIP" for s in of_kind(list(docs.values()), "Service"))


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
    # The backing services (database, broker, the gateway's Redis) are the platform's, not sendpb components.
    assert {n for n in compose if n not in ("postgres", "rabbitmq", "redis", "migrate")} == set(COMPONENTS)
