"""Events the contracts service consumes from others."""
from kit.inbox import Consumers

consumers = Consumers()
