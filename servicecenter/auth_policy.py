"""Sign-in policy beyond axes' per-account lockout: the client's address, and a cap on failures per address.

axes locks an account after LOGIN_FAILURE_LIMIT failures. On top of that, an address that fails too often
(whatever usernames it tries) is refused for the cool-off period, so that nobody can guess through many
accounts or fill the audit log with failures.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

_PREFIX = "signin-failures:"


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the address our own proxy appended to X-Forwarded-For."""
    if request is None:
        return None
    if settings.USE_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # Only the last entry was written by the trusted proxy; earlier ones come from the client.
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def address_blocked(ip: str | None) -> bool:
    return bool(ip) and cache.get(_PREFIX + ip, 0) >= settings.LOGIN_FAILURES_PER_ADDRESS


def count_failure(ip: str | None) -> None:
    if not ip:
        return
    key = _PREFIX + ip
    timeout = int(settings.AXES_COOLOFF_TIME.total_seconds())
    if not cache.add(key, 1, timeout=timeout):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=timeout)


def address_blocked_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _("Too many failed sign-ins from this computer: try again in %(minutes)d minutes.") % {
        "minutes": minutes
    }
