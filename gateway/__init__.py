"""The one front door: OAuth2 client credentials, token checks, routing by prefix, request ids, rate limits,
merged OpenAPI. No database, no business rules."""
