"""Eligibility service: who may have a personal budget, for which funding streams, under which arrangements,
with reasons (ELIG-01..11)."""
