"""Use cases of the contracts service: load, call the domain, write state and outbox rows. Never commits."""
