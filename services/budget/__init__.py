"""Budget service: one pooled budget per child per plan across education, health and social care
(BUD-01..11)."""
