"""The budget's pure domain: values, rules and state transitions, with no I/O and nothing of the stack.

- ``budget``: provision lines and their refusals (BUD-02, BUD-03, BUD-04, BUD-15, ELIG-09, the eligibility decision),
  panel and agreement (BUD-05, BUD-06), a stream's coverage after agreement (BUD-05), health funding order
  (BUD-07), SEN2 (BUD-11);
- ``reviews``: review dates and each LA's cadence (BUD-09, BUD-12);
- ``ledger``: the double-entry ledger (BUD-08);
- ``categories``: the published provision categories (BUD-03, BUD-15);
- ``sen2_return``: the SEN2 return's PB/OA/DP per plan at a census date and its validation (BUD-11)."""
