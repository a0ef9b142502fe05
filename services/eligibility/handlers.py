"""Events the eligibility service consumes from others."""
from kit.inbox import Consumers

consumers = Consumers()
