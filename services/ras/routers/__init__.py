"""HTTP endpoints of the ras service, one module per resource, mounted under ``/v1/ras`` by app.py."""
