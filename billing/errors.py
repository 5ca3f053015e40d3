"""Billing's domain error: a refused money action, with a translated message; nothing was changed."""

from servicecenter.errors import DomainError


class BillingError(DomainError):
    pass
