"""The counter's domain error: a refused counter action, with a translated message; nothing was changed."""

from servicecenter.errors import DomainError


class CounterError(DomainError):
    pass
