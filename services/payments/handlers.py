"""Events the payments service consumes from others."""
from kit.inbox import Consumers

consumers = Consumers()
