"""Events the budget service consumes, read through its own minimal models of docs/events.md."""
from kit.inbox import Consumers

consumers = Consumers()
