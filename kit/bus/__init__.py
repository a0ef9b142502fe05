"""Two message buses behind one interface: in-memory (embedded mode, tests) and RabbitMQ (distributed mode)."""
from kit.bus.base import (
    Bus,
    DeadLetter,
    Handler,
    Outgoing,
    PoisonMessage,
    Unauthorised,
    publisher_of,
    topic_matches,
    transient,
)

__all__ = ["Bus", "DeadLetter", "Handler", "Outgoing", "PoisonMessage", "Unauthorised", "publisher_of",
           "topic_matches", "transient", "bus_from_settings"]


def bus_from_settings(platform) -> Bus:
    if platform.amqp_url:
        from kit.bus.rabbit import RabbitBus

        return RabbitBus(platform.amqp_url, prefetch=platform.amqp_prefetch,
                         max_attempts=platform.consumer_max_attempts,
                         kill_before_ack=platform.fault_kill_before_ack)
    from kit.bus.memory import MemoryBus

    return MemoryBus(max_attempts=platform.consumer_max_attempts)
