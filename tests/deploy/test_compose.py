"""docker-compose.yml cannot run here (no Docker engine), so its shape is checked instead."""
from pathlib import Path

import yaml

from sendpb.runner import SERVICES

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_names_every_service_the_gateway_and_its_dependencies():
    names = set(compose()["services"])
    assert names >= {c.name for c in SERVICES} | {"gateway", "postgres", "rabbitmq", "migrate"}


def test_gateway_replicas_share_their_rate_limits_through_a_healthy_redis():
    services = compose()["services"]
    gateway = services["gateway"]
    assert gateway["environment"]["SENDPB_GATEWAY_REDIS_URL"].startswith("redis://redis:")
    assert gateway["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "redis-cli" in services["redis"]["healthcheck"]["test"]


def test_every_service_runs_its_own_target_health_gated_after_migrations():
    services = compose()["services"]
    for c in SERVICES:
        svc = services[c.name]
        assert svc["command"][:3] == ["serve", "--target", c.name]
        port = svc["command"][svc["command"].index("--port") + 1]
        assert f":{port}/readyz" in " ".join(svc["healthcheck"]["test"])
        assert svc["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert svc["environment"]["SENDPB_MIGRATE_ON_START"] == "false"
        assert "{service}" in svc["environment"]["SENDPB_DATABASE_URL_TEMPLATE"]


def test_the_gateway_routes_every_prefix_to_a_healthy_service():
    import json

    gateway = compose()["services"]["gateway"]
    upstreams = json.loads(gateway["environment"]["SENDPB_GATEWAY_UPSTREAMS"])
    assert set(upstreams) == {c.prefix for c in SERVICES}
    for c in SERVICES:
        assert gateway["depends_on"][c.name]["condition"] == "service_healthy"
        assert upstreams[c.prefix].startswith(f"http://{c.name}:")


def test_each_service_has_a_database_created_at_init():
    sql = (ROOT / "deploy" / "postgres-init.sql").read_text()
    for c in SERVICES:
        assert f"CREATE DATABASE sendpb_{c.name};" in sql


def test_the_image_is_built_from_the_project_and_runs_the_cli():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["sendpb"]' in dockerfile and "pip install ." in dockerfile
