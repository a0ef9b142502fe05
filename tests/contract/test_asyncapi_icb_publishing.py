"""docs/icb-publishing.md works: its Python example, run as it is written there, publishes ICB health funding to a
real RabbitMQ and the budget service (on PostgreSQL) applies it once; a bad one lands in the dead-letter queue with
its reason, and so does one from a broker user not allowed for its LA or without user_id (ICB tenancy); the broker
itself refuses a forged user_id; an unroutable one raises in the publisher. The AsyncAPI message says the same
things."""
from __future__ import annotations

import json
import re
import uuid
from datetime import date
from pathlib import Path

import aio_pika
import pytest

from kit.asyncapi import messages, service_document
from kit.testing import LA, OTHER_LA, eventually, running_service
from services.budget.app import SPEC, create_app
from services.budget.settings import BudgetSettings
from tests.budget.helpers import CASEWORK, HEALTH, READ, child, new_budget

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "icb-publishing.md"
README = Path(__file__).resolve().parents[2] / "README.md"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def worked_example() -> dict:
    """The namespace of the page's one Python block, executed as it stands."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S)
    assert len(blocks) == 1, "docs/icb-publishing.md has one worked example"
    namespace: dict = {}
    exec(compile(blocks[0], str(GUIDE), "exec"), namespace)  # noqa: S102 - our own document's code
    return namespace


def change(cyp: str, pence: int, effective: str, **kw) -> dict:
    return {"event_id": f"QU9-{uuid.uuid4().hex[:12]}", "child_id": cyp, "local_authority": LA,
            "annual_amount_pence": pence, "effective_from": effective,
            "reason": "Continuing care package reviewed", **kw}


async def health(client, budget_id: str) -> int:
    r = await client.get(f"/v1/budgets/{budget_id}", headers=CASEWORK)
    return r.json()["streams"]["health"]["agreed_pence"]


@pytest.mark.integration
async def test_the_guides_python_example_publishes_a_change_the_budget_applies_once(real_backend, clock):
    clock.set_to(date(2026, 12, 3))
    publish = worked_example()["publish_health_funding"]
    async with running_service(create_app, real_backend, service="budget") as svc:
        cyp = child()
        r = await svc.client.post("/v1/budgets", json=new_budget(cyp), headers=CASEWORK)
        assert r.status_code == 201, r.text
        budget_id = r.json()["id"]

        first = change(cyp, 1_250_000, "2026-11-01")
        envelope_id = await publish(real_backend.amqp_url, first, traceparent=TRACEPARENT)
        assert uuid.UUID(envelope_id)
        await eventually(lambda: _equals(health(svc.client, budget_id), 1_250_000))

        # Not sure it was sent? Publish it again (a new envelope, the same change): it applies once. A later change
        # published after it is applied only once the duplicate has been dealt with (one queue, in order).
        await publish(real_backend.amqp_url, first)
        later = change(cyp, 1_400_000, "2027-01-01")
        await publish(real_backend.amqp_url, later)
        await eventually(lambda: _equals(health(svc.client, budget_id), 1_400_000))
        ledger = (await svc.client.get(f"/v1/budgets/{budget_id}/ledger", headers=READ)).json()["items"]
        references = [t["reference"] for t in ledger if (t["reference"] or "").startswith("icb:")]
        assert sorted(references) == sorted([f"icb:{first['event_id']}", f"icb:{later['event_id']}"])
        again = await svc.client.post("/v1/budgets/health-funding-events", json=first, headers=HEALTH)
        assert again.json()["outcome"] == "duplicate"


@pytest.mark.integration
async def test_a_bad_change_goes_to_the_dead_letter_queue_with_its_reason_and_nothing_moves(real_backend, clock):
    clock.set_to(date(2026, 12, 3))
    publish = worked_example()["publish_health_funding"]
    async with running_service(create_app, real_backend, service="budget") as svc:
        cyp = child()
        budget_id = (await svc.client.post("/v1/budgets", json=new_budget(cyp), headers=CASEWORK)).json()["id"]
        bad = {"negative": change(cyp, -5_000, "2026-11-01"),
               "pounds as a string": change(cyp, "12500.00", "2026-11-01"),
               "not an ONS code": change(cyp, 5_000, "2026-11-01", local_authority="Buckinghamshire"),
               "ten years ahead": change(cyp, 5_000, "2036-11-01"),
               "no reason": change(cyp, 5_000, "2026-11-01", reason="")}
        for body in bad.values():
            await publish(real_backend.amqp_url, body)
        letters = []

        async def all_dead() -> bool:
            letters.extend(await svc.runtime.bus.take_dead_letters("budget"))
            return len(letters) >= len(bad)

        await eventually(all_dead, timeout=20)
        by_event = {json.loads(dl.body)["payload"]["event_id"]: dl for dl in letters}
        for what, field in (("negative", "annual_amount_pence"), ("pounds as a string", "annual_amount_pence"),
                            ("not an ONS code", "local_authority"), ("ten years ahead", "effective_from"),
                            ("no reason", "reason")):
            letter = by_event[bad[what]["event_id"]]
            assert letter.routing_key == "icb.health_funding.changed.v1", what
            assert "PoisonMessage" in letter.reason and field in letter.reason, (what, letter.reason)
            assert letter.attempts == 1, f"{what}: an unreadable message is not retried"
        assert await health(svc.client, budget_id) == 0


async def publish_claiming(amqp_url: str, change: dict, user_id: str | None) -> None:
    """As the guide's example, but with the ``user_id`` property set to what we say (or not set at all)."""
    envelope = {"event_id": str(uuid.uuid4()), "type": "icb.health_funding.changed.v1",
                "occurred_at": "2026-12-03T10:00:00Z", "producer": "icb-QU9",
                "local_authority": change["local_authority"], "payload": change}
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange("sendpb.events")
        await exchange.publish(aio_pika.Message(json.dumps(envelope).encode(), content_type="application/json",
                                                delivery_mode=aio_pika.DeliveryMode.PERSISTENT, user_id=user_id),
                               routing_key="icb.health_funding.changed.v1", mandatory=True)


@pytest.mark.integration
async def test_icb_tenancy_another_las_change_and_one_without_user_id_are_dead_lettered_naming_why(real_backend,
                                                                                                    clock):
    """The broker user (guest here) is allowed for one LA only: its change for another LA's child, and a change for
    its own LA that names no user_id, are dead-lettered at once with the reason; its own LA's change applies."""
    clock.set_to(date(2026, 12, 3))
    publish = worked_example()["publish_health_funding"]
    one_la = BudgetSettings(icb_publishers={"guest": [LA]})
    async with running_service(create_app, real_backend, service="budget", settings=one_la) as svc:
        cyp = child()
        budget_id = (await svc.client.post("/v1/budgets", json=new_budget(cyp), headers=CASEWORK)).json()["id"]
        elsewhere = change("C-rotherham", 5_000, "2026-11-01", local_authority=OTHER_LA)
        anonymous = change(cyp, 7_000, "2026-11-01")
        await publish(real_backend.amqp_url, elsewhere)
        await publish_claiming(real_backend.amqp_url, anonymous, user_id=None)
        letters = []

        async def both_dead() -> bool:
            letters.extend(await svc.runtime.bus.take_dead_letters("budget"))
            return len(letters) >= 2

        await eventually(both_dead, timeout=20)
        by_event = {json.loads(dl.body)["payload"]["event_id"]: dl for dl in letters}
        other, unnamed = by_event[elsewhere["event_id"]], by_event[anonymous["event_id"]]
        assert other.reason.startswith("Unauthorised: ") and other.attempts == 1
        assert f"broker user 'guest' may not publish ICB health funding for {OTHER_LA}" in other.reason
        assert other.headers["x-original-user-id"] in ("guest", b"guest")
        assert unnamed.reason.startswith("Unauthorised: ") and "no user_id property" in unnamed.reason
        assert await health(svc.client, budget_id) == 0

        mine = change(cyp, 9_000, "2026-11-01")
        await publish(real_backend.amqp_url, mine)
        await eventually(lambda: _equals(health(svc.client, budget_id), 9_000))


@pytest.mark.integration
async def test_icb_tenancy_rabbitmq_refuses_a_user_id_that_is_not_the_connections_user(real_backend):
    """RabbitMQ's validated user-id, which the check rests on: connected as guest, a message claiming to be another
    ICB's user is refused by the broker (the channel is closed), so nobody can publish as someone else."""
    with pytest.raises(aio_pika.exceptions.ChannelPreconditionFailed, match="icb-qu9"):
        await publish_claiming(real_backend.amqp_url, change("C-forged", 5_000, "2026-11-01"), user_id="icb-qu9")


@pytest.mark.integration
async def test_an_unroutable_change_raises_in_the_publisher(real_backend):
    """With no queue bound (the budget service has never run on this vhost) the broker returns the message: the
    example raises instead of reporting it sent."""
    from kit.testing import own_vhost

    url = await own_vhost("icb_unroutable")
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        await channel.declare_exchange("sendpb.events", aio_pika.ExchangeType.TOPIC, durable=True)
    publish = worked_example()["publish_health_funding"]
    with pytest.raises(aio_pika.exceptions.DeliveryError):
        await publish(url, change("C-unrouted", 5_000, "2026-11-01"))


async def _equals(value, expected) -> bool:
    return await value == expected


def test_the_asyncapi_message_documents_what_an_icb_needs_to_publish():
    """Exchange and type, routing key, AMQP properties and headers, the envelope, the payload with an example,
    idempotency, the dead-letter queue and its reason, and the events that follow."""
    doc = service_document(service=SPEC.name, title=SPEC.title, version=SPEC.version,
                           owned=messages(SPEC.owned_events), publishes=list(SPEC.publishes),
                           consumes=SPEC.consumers.routing_keys)
    key = "icb_health_funding_changed_v1"
    channel, message = doc["channels"][key], doc["components"]["messages"][key]
    assert channel["address"] == "icb.health_funding.changed.v1"
    assert channel["bindings"]["amqp"]["exchange"] == {"name": "sendpb.events", "type": "topic", "durable": True,
                                                       "autoDelete": False, "vhost": "/"}
    assert message["bindings"]["amqp"]["messageType"] == "icb.health_funding.changed.v1"
    assert "traceparent" in message["headers"]["properties"]
    assert "user_id" in message["x-amqp-properties"]["required"], "ICB tenancy: who published it is required"
    assert "validated user-id" in message["x-amqp-properties"]["properties"]["user_id"]["description"]
    assert set(message["payload"]["required"]) >= {"type", "producer", "local_authority", "payload"}
    assert message["payload"]["properties"]["event_id"]["description"]
    for words in ("publisher confirms", "`content_type` `application/json`", "`delivery_mode` 2", "`message_id`",
                  "sendpb.budget.dlq", "x-death-reason", "applies each envelope `event_id` once",
                  "budget.health_funding_applied.v1", "budget.insufficient.v1", "no refusal event",
                  "docs/icb-publishing.md", "**`user_id` (required) = the broker user you connect as**",
                  "`Unauthorised:`"):
        assert words in message["description"], words
    [example] = message["examples"]
    assert example["payload"]["payload"]["annual_amount_pence"] == 1_250_000
    receive = doc["operations"]["budget__receive__icb_health_funding_changed_v1"]
    assert receive["bindings"]["amqp"]["ack"] is True and "sendpb.budget.dlq" in receive["description"]
    assert "docs/icb-publishing.md" in README.read_text(), "the README links the guide"
