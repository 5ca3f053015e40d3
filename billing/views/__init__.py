"""Billing's pages, one module per subject, each listing its own URL patterns (/halls/<id>/money/…)."""
