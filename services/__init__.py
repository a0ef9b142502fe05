"""The five bounded contexts. Each owns its database, migrations and event contracts."""
