"""Billing's pages, one module per subject; each lists its own URL patterns (under /halls/<hall_id>/money/)."""
