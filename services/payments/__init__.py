"""Payments service: direct-payment agreements, schedules, payment runs, bank files, audits and fair
recovery (PAY-01..09)."""
