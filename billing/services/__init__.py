"""Every write of billing: one function per money action (see the modules)."""
