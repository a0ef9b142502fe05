"""A minimal service used only to prove the kit: state + outbox, a consumer with an inbox, idempotency, tenancy."""
