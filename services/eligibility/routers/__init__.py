"""HTTP endpoints of the eligibility service, one module per resource, mounted under ``/v1/eligibility`` by
app.py. Routers call the use cases in ``service`` and build the response models from what they return."""
