"""What production mode refuses (issue 16): the dev keys, whatever they are called, and settings left empty."""
from __future__ import annotations

import json
import os

import pytest

from gateway.app import issuer_from, registry_from
from gateway.clients import DEV_SECRET, hash_secret
from gateway.settings import ClientConfig, GatewaySettings
from kit.auth import dev_private_key_pem, new_private_key_pem, public_key_pem
from kit.settings import PlatformSettings
from kit.testing import RUN_ID, ensure_database, pg_url, postgres_reason, rabbit_url, unavailable
from tests.distributed import ServiceProcess, free_port

DEV_PUBLIC = public_key_pem(dev_private_key_pem())
OWN_PRIVATE = new_private_key_pem()
OWN_PUBLIC = public_key_pem(OWN_PRIVATE)
BACKENDS = {"database_url_template": "postgresql+asyncpg://db/sendpb_{service}", "amqp_url": "amqp://broker/"}
CLIENT = ClientConfig(client_id="bucks-cms", secret_hash=hash_secret("long-random"), scopes=["casework"],
                      las=["E06000060"])


def prod(**overrides) -> PlatformSettings:
    return PlatformSettings(**{"mode": "prod", "jwt_public_keys": {"prod-2026": OWN_PUBLIC}, **BACKENDS,
                               **overrides})


@pytest.mark.parametrize("pem", [
    DEV_PUBLIC,
    DEV_PUBLIC.replace("\n", "\r\n"),     # the same key written differently
    dev_private_key_pem(),                # or its private half, pasted where the public one goes
], ids=["as-issued", "crlf", "private-half"])
def test_outside_dev_mode_a_service_refuses_the_dev_public_key_under_any_kid(pem):
    with pytest.raises(ValueError, match=r"SENDPB_JWT_PUBLIC_KEYS\['prod-2026'\] holds the dev signing key"):
        prod(jwt_public_keys={"prod-1": OWN_PUBLIC, "prod-2026": pem})


def test_outside_dev_mode_keys_that_are_not_keys_are_refused_at_start():
    with pytest.raises(ValueError, match=r"SENDPB_JWT_PUBLIC_KEYS\['k'\]: not a PEM public or private key"):
        prod(jwt_public_keys={"k": "-----BEGIN PUBLIC KEY-----\nbm9wZQ==\n-----END PUBLIC KEY-----\n"})


def test_the_fingerprint_is_the_key_not_its_name_or_spelling():
    from kit.auth import fingerprint

    assert fingerprint(DEV_PUBLIC) == fingerprint(dev_private_key_pem()) == fingerprint(DEV_PUBLIC + "\n")
    assert fingerprint(OWN_PUBLIC) != fingerprint(DEV_PUBLIC)


def test_outside_dev_mode_the_gateway_refuses_the_dev_private_key_under_another_kid():
    settings = GatewaySettings(jwt_private_key=dev_private_key_pem(), jwt_kid="prod-7", clients=[CLIENT])
    with pytest.raises(ValueError, match="SENDPB_GATEWAY_JWT_PRIVATE_KEY holds the dev signing key"):
        issuer_from(prod(), settings)
    assert issuer_from(PlatformSettings(), settings).kid == "prod-7"  # dev mode: any key goes
    assert issuer_from(prod(), GatewaySettings(jwt_private_key=OWN_PRIVATE, jwt_kid="prod-7")).kid == "prod-7"


def test_outside_dev_mode_a_configured_client_with_the_dev_secret_is_refused():
    dev_secret_client = CLIENT.model_copy(update={"client_id": "copied-from-dev",
                                                  "secret_hash": hash_secret(DEV_SECRET)})
    with pytest.raises(ValueError, match="copied-from-dev use the dev secret"):
        registry_from(prod(), GatewaySettings(clients=[CLIENT, dev_secret_client]))


def test_an_empty_setting_is_unset_so_production_refuses_it(monkeypatch):
    monkeypatch.setenv("SENDPB_MODE", "prod")
    monkeypatch.setenv("SENDPB_JWT_PUBLIC_KEYS", json.dumps({"prod-2026": OWN_PUBLIC}))
    monkeypatch.setenv("SENDPB_AMQP_URL", "amqp://broker/")
    monkeypatch.setenv("SENDPB_DATABASE_URL_TEMPLATE", "")
    with pytest.raises(ValueError, match="SENDPB_DATABASE_URL_TEMPLATE must be set outside dev mode"):
        PlatformSettings()
    monkeypatch.setenv("SENDPB_DATABASE_URL_TEMPLATE", BACKENDS["database_url_template"])
    monkeypatch.setenv("SENDPB_AMQP_URL", "  ")
    with pytest.raises(ValueError, match="SENDPB_AMQP_URL must be set outside dev mode"):
        PlatformSettings()
    monkeypatch.setenv("SENDPB_AMQP_URL", "amqp://broker/")
    monkeypatch.setenv("SENDPB_JWT_PUBLIC_KEYS", json.dumps({"prod-2026": ""}))
    with pytest.raises(ValueError, match="SENDPB_JWT_PUBLIC_KEYS must be set outside dev mode"):
        PlatformSettings()
    monkeypatch.setenv("SENDPB_JWT_PUBLIC_KEYS", "")
    with pytest.raises(ValueError, match="SENDPB_JWT_PUBLIC_KEYS must be set outside dev mode"):
        PlatformSettings()


def test_an_empty_setting_is_unset_everywhere(monkeypatch):
    for name in ("SENDPB_AMQP_URL", "SENDPB_DATABASE_URL_TEMPLATE", "SENDPB_GATEWAY_JWT_PRIVATE_KEY",
                 "SENDPB_GATEWAY_CLIENTS", "SENDPB_GATEWAY_UPSTREAMS", "SENDPB_PAYMENTS_ENCRYPTION_KEYS",
                 "SENDPB_PAYMENTS_ENCRYPTION_KEY_ID", "SENDPB_OIDC_ISSUERS", "SENDPB_BUDGET_DATABASE_URL"):
        monkeypatch.setenv(name, "")
    from services.budget.settings import BudgetSettings
    from services.payments.settings import PaymentsSettings

    platform, gateway = PlatformSettings(), GatewaySettings()
    assert (platform.amqp_url, platform.database_url_template, platform.oidc_issuers) == (None, None, [])
    assert (gateway.jwt_private_key, gateway.clients) == (None, [])
    assert gateway.upstreams == GatewaySettings.model_fields["upstreams"].default
    assert PaymentsSettings().encryption_keys == {} and PaymentsSettings().encryption_key_id is None
    assert BudgetSettings().database_url is None
    assert PlatformSettings(amqp_url="", database_url_template=" ").amqp_url is None  # given in code, too
    with pytest.raises(ValueError, match="SQLite is the embedded dev mode's"):
        prod(database_url_template="sqlite+aiosqlite:///var/{service}.db")


def test_outside_dev_mode_budget_needs_the_broker_users_that_may_publish_icb_funding_and_their_las():
    """ICB tenancy over AMQP: the budget service consumes icb.health_funding.changed.v1, so outside dev mode it
    must be told which broker users may publish it, for which LAs; "any LA" is the dev default's alone."""
    from services.budget.settings import DEV_ICB_PUBLISHERS, BudgetSettings

    linked = {"family_link_secret": "s" * 40, "family_link_base_url": "https://pb.example.gov.uk"}
    with pytest.raises(ValueError, match="SENDPB_BUDGET_ICB_PUBLISHERS must be set outside dev mode"):
        BudgetSettings(**linked).bound_to(prod())
    with pytest.raises(ValueError, match=r"'\*' \(any LA\) is the dev default's, refused outside dev mode"):
        BudgetSettings(**linked, icb_publishers={"icb-bob": ["*"]}).bound_to(prod())
    with pytest.raises(ValueError, match="needs the ONS codes of its LAs"):
        BudgetSettings(icb_publishers={"icb-bob": ["Buckinghamshire"]})
    with pytest.raises(ValueError, match="needs the ONS codes of its LAs"):
        BudgetSettings(icb_publishers={"icb-bob": []})
    bound = BudgetSettings(**linked, icb_publishers={"icb-bob": ["E06000060"]}).bound_to(prod())
    assert bound.icb_publisher_refusal("icb-bob", "E06000060") is None
    assert "for E08000018" in bound.icb_publisher_refusal("icb-bob", "E08000018")
    assert "'guest' may not publish" in bound.icb_publisher_refusal("guest", "E06000060")
    assert BudgetSettings().bound_to(PlatformSettings()).icb_publishers == DEV_ICB_PUBLISHERS  # dev mode


# ---------------------------------------------------------------- the processes an operator starts
async def _real_backends() -> dict[str, str]:
    reason = await postgres_reason()
    if reason:
        unavailable(reason)
    await ensure_database(f"sendpb_{RUN_ID}_prodcheck_eligibility")
    return {"SENDPB_DATABASE_URL_TEMPLATE": pg_url(f"sendpb_{RUN_ID}_prodcheck_{{service}}"),
            "SENDPB_AMQP_URL": await rabbit_url()}


async def _refused(target: str, env: dict[str, str], tmp_path, name: str) -> str:
    """Start ``sendpb serve --target <target>`` as an operator would; it must exit at once with status 2 and a
    one-line reason (its log is returned). A process still running after 20 s has started: the check failed."""
    own = {k: v for k, v in os.environ.items() if not k.startswith("SENDPB_")}
    process = ServiceProcess(target, free_port(), {**own, "SENDPB_LOG_LEVEL": "WARNING", **env}, tmp_path,
                             name=name)
    process.start()
    try:
        status = await process.exited(20)
    finally:
        process.stop()
    log = (tmp_path / f"{name}.log").read_text()
    assert status == 2, f"{name}: {target} started in prod mode (exit status {status}); log:\n{log}"
    assert "Traceback" not in log
    return log


@pytest.mark.integration
async def test_production_processes_refuse_to_start_with_a_dev_key_or_an_empty_backend(tmp_path):
    real = await _real_backends()
    base = {"SENDPB_MODE": "prod", "SENDPB_JWT_PUBLIC_KEYS": json.dumps({"prod-2026": OWN_PUBLIC}), **real}
    dev_key_trusted = {**base, "SENDPB_JWT_PUBLIC_KEYS": json.dumps({"prod-2026": OWN_PUBLIC, "k9": DEV_PUBLIC})}
    log = await _refused("eligibility", dev_key_trusted, tmp_path, "service-dev-key")
    assert "refusing to start: SENDPB_JWT_PUBLIC_KEYS['k9'] holds the dev signing key" in log

    gateway = {**base, "SENDPB_GATEWAY_JWT_PRIVATE_KEY": dev_private_key_pem(), "SENDPB_GATEWAY_JWT_KID": "prod-7",
               "SENDPB_GATEWAY_CLIENTS": json.dumps([CLIENT.model_dump()])}
    log = await _refused("gateway", gateway, tmp_path, "gateway-dev-key")
    assert "SENDPB_GATEWAY_JWT_PRIVATE_KEY holds the dev signing key" in log

    log = await _refused("eligibility", {**base, "SENDPB_DATABASE_URL_TEMPLATE": ""}, tmp_path, "empty-database")
    assert "SENDPB_DATABASE_URL_TEMPLATE must be set outside dev mode" in log
    log = await _refused("eligibility", {**base, "SENDPB_AMQP_URL": ""}, tmp_path, "empty-broker")
    assert "SENDPB_AMQP_URL must be set outside dev mode" in log

    budget = {**base, "SENDPB_BUDGET_FAMILY_LINK_SECRET": "s" * 40,
              "SENDPB_BUDGET_FAMILY_LINK_BASE_URL": "https://pb.example.gov.uk"}
    log = await _refused("budget", budget, tmp_path, "budget-no-icb-publishers")
    assert "refusing to start: SENDPB_BUDGET_ICB_PUBLISHERS must be set outside dev mode" in log

