"""RAS service: Resource Allocation System: versioned questionnaires, points and an explainable indicative
budget per stream (RAS-01..08)."""
