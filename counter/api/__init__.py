"""The counter's API under /api/v1/, one module per subject, each listing its own URL patterns."""
