"""The budget API, one module per resource, mounted under ``/v1/budgets`` by ``app.py`` (whose order keeps the fixed
paths ahead of ``/{budget_id}``). Who may call what, and the audit trail every router records, are in ``access``."""
