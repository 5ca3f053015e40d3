"""Billing's API endpoints (/api/v1/), one module per subject, calling the same services as pages."""
