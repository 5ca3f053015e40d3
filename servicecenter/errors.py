"""Domain errors: each app raises its own subclass with a translated message.

Views show the message as a form error or a message; the API answers 400 with it (servicecenter.api).
"""


class DomainError(Exception):
    """A business rule refused an action; nothing was changed."""

    def __init__(self, message, *, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


class KernelError(DomainError):
    """Refusals of the kernel's own actions (memberships, accounts)."""
