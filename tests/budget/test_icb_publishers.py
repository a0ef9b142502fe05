"""ICB tenancy over AMQP: an ICB moves health funding only for the LAs it commissions with, over the bus as over
REST. The publisher is the broker user its validated AMQP ``user_id`` names (RabbitMQ refuses a message claiming
another user, and so does the in-memory bus); budget applies an ICB event only from a user that
SENDPB_BUDGET_ICB_PUBLISHERS allows for the child's LA, and dead-letters any other with the reason. On SQLite + the
in-memory bus and on PostgreSQL + RabbitMQ."""
import pytest

from kit.bus import Outgoing
from kit.events import Envelope
from kit.metrics import EVENTS_CONSUMED
from kit.testing import LA, OTHER_LA, eventually, running_service
from services.budget.app import create_app
from services.budget.settings import BudgetSettings
from tests.budget.helpers import BROKER_USER, CASEWORK, child, health_event, new_budget, publish

ICB_EVENT = "icb.health_funding.changed.v1"
ONE_LA = BudgetSettings(icb_publishers={BROKER_USER: [LA]})


def unauthorised() -> float:
    return EVENTS_CONSUMED.labels("budget", ICB_EVENT, "unauthorised")._value.get()


async def health_of(client, cyp: str) -> int:
    [budget] = (await client.get("/v1/budgets", params={"child_id": cyp}, headers=CASEWORK)).json()["items"]
    return budget["streams"]["health"]["agreed_pence"]


async def opened(client) -> str:
    cyp = child()
    assert (await client.post("/v1/budgets", json=new_budget(cyp), headers=CASEWORK)).status_code == 201
    return cyp


async def test_icb_tenancy_a_publisher_moves_health_funding_only_for_its_own_las(backend):
    before = unauthorised()
    async with running_service(create_app, backend, service="budget", settings=ONE_LA) as svc:
        bus = svc.runtime.bus
        elsewhere = health_event(child(), 100_000, "2027-01-01", la=OTHER_LA)
        await publish(bus, ICB_EVENT, elsewhere, la=OTHER_LA, producer="icb")
        [letter] = await eventually(lambda: bus.take_dead_letters("budget"))
        assert letter.attempts == 1 and letter.reason.startswith("Unauthorised: "), letter
        assert f"broker user 'guest' may not publish ICB health funding for {OTHER_LA}" in letter.reason, letter
        assert "SENDPB_BUDGET_ICB_PUBLISHERS" in letter.reason

        cyp = await opened(svc.client)  # its own LA's child: applied
        await publish(bus, ICB_EVENT, health_event(cyp, 130_000, "2027-01-01"), producer="icb")
        assert await eventually(lambda: _is(health_of(svc.client, cyp), 130_000))
        assert await bus.take_dead_letters("budget") == []
    assert unauthorised() - before == 1


async def test_icb_tenancy_an_icb_event_without_user_id_is_dead_lettered_not_applied(backend):
    async with running_service(create_app, backend, service="budget") as svc:  # the dev default: guest, any LA
        cyp = await opened(svc.client)
        await publish(svc.runtime.bus, ICB_EVENT, health_event(cyp, 70_000, "2027-01-01"), user_id=None)
        [letter] = await eventually(lambda: svc.runtime.bus.take_dead_letters("budget"))
        assert letter.attempts == 1 and "no user_id property: the publisher is unknown" in letter.reason, letter
        assert await health_of(svc.client, cyp) == 0


async def test_icb_tenancy_a_user_not_listed_is_refused_and_one_bad_event_spoils_none_of_its_batch(backend):
    """A lot the consumer applies together holds one event of an LA its publisher may not touch: that one is
    dead-lettered, the others apply."""
    async with running_service(create_app, backend, service="budget", settings=ONE_LA) as svc:
        cyps = [await opened(svc.client) for _ in range(3)]
        envelopes = [Envelope(type=ICB_EVENT, producer="icb", local_authority=LA,
                              payload=health_event(cyp, 40_000 + i, "2027-01-01")) for i, cyp in enumerate(cyps)]
        stranger = Envelope(type=ICB_EVENT, producer="icb", local_authority=OTHER_LA,
                            payload=health_event(child(), 1, "2027-01-01", la=OTHER_LA))
        lot = [*envelopes[:2], stranger, envelopes[2]]
        await svc.runtime.bus.publish([Outgoing(e.type, e.to_bytes(), str(e.event_id), user_id=BROKER_USER)
                                       for e in lot])
        for i, cyp in enumerate(cyps):
            assert await eventually(lambda cyp=cyp, i=i: _is(health_of(svc.client, cyp), 40_000 + i))
        [letter] = await eventually(lambda: svc.runtime.bus.take_dead_letters("budget"))
        assert letter.body == stranger.to_bytes() and f"for {OTHER_LA}" in letter.reason


async def test_icb_tenancy_a_message_claiming_another_broker_user_is_refused_by_the_bus(backend):
    """RabbitMQ's validated user-id: the user_id property must be the connection's user. The in-memory bus does
    the same, so embedded mode cannot be told a publisher it did not have."""
    async with running_service(create_app, backend, service="budget") as svc:
        forged = Envelope(type=ICB_EVENT, producer="icb", local_authority=LA,
                          payload=health_event(child(), 1, "2027-01-01"))
        with pytest.raises(Exception, match="icb-mallory"):
            await svc.runtime.bus.publish([Outgoing(ICB_EVENT, forged.to_bytes(), str(forged.event_id),
                                                    user_id="icb-mallory")])


async def _is(value, expected) -> bool:
    return await value == expected
