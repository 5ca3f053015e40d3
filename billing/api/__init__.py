"""Billing's API endpoints (under /api/v1/), one module per subject, calling the same services as the pages."""
