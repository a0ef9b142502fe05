"""Each deployed component names itself in traces: ``OTEL_SERVICE_NAME`` is ``sendpb-<component>`` on every
Deployment and migration Job of both overlays and every component of docker-compose.yml, and the tracer provider the
platform builds takes that name as ``service.name``."""
import yaml

from tests.deploy.manifests import COMPONENTS, K8S, component_of, of_kind, render


def _env(container: dict) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in container.get("env", [])}


def test_every_deployment_and_job_names_its_component_in_traces():
    for overlay in ("dev", "prod"):
        docs = render(overlay)
        names = {}
        for doc in of_kind(docs, "Deployment") + of_kind(docs, "Job"):
            [container] = doc["spec"]["template"]["spec"]["containers"]
            component = component_of(doc)
            names[component] = _env(container).get("OTEL_SERVICE_NAME")
            assert names[component] == f"sendpb-{component}", f"{overlay}: {doc['metadata']['name']}"
        assert set(names) >= set(COMPONENTS) | {f"migrate-{c}" for c in COMPONENTS if c != "gateway"}, overlay
        assert len(set(names.values())) == len(names), f"{overlay}: two components share a name in traces"


def test_every_compose_component_names_itself_in_traces():
    services = yaml.safe_load((K8S.parents[1] / "docker-compose.yml").read_text())["services"]
    for component in [*COMPONENTS, "migrate"]:
        environment = services[component]["environment"]
        assert environment["OTEL_SERVICE_NAME"] == f"sendpb-{component}", component
        assert environment["SENDPB_MODE"] == "dev", f"{component} keeps the shared settings"


def test_the_tracer_provider_takes_the_deployments_name(monkeypatch):
    from kit.tracing import provider_from_environment

    monkeypatch.setenv("OTEL_SERVICE_NAME", "sendpb-budget")
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    provider = provider_from_environment()
    try:
        assert provider.resource.attributes["service.name"] == "sendpb-budget"
    finally:
        provider.shutdown()
    monkeypatch.delenv("OTEL_SERVICE_NAME")
    provider = provider_from_environment()
    try:
        assert provider.resource.attributes["service.name"] == "sendpb"
    finally:
        provider.shutdown()
