"""Every non-trivial read of the counter, scoped: one module per subject."""
