"""Use cases of the ras service: load, call the domain, write state and outbox rows. They never commit."""
