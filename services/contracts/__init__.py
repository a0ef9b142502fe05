"""Contracts service: Block contracts made flexible: unit prices, releases into personal budgets, reviews,
family summaries (CON-01..08)."""
