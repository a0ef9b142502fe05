"""Use cases of the payments service. They load, apply the domain rules and write state and outbox rows in the
caller's session; they never commit (the request or consumer boundary does)."""
