"""Pure rules of block contracts (CON-01..08): prices, release capacity, transfer decisions, family summaries.
No I/O here: every function takes values and returns values, and is tested without a database."""
