"""Sign-in policy beyond axes' per-account lockout: the client's address, and a cap on failures per address.

axes locks an account after LOGIN_FAILURE_LIMIT failures. On top of that, an address that fails too often
(whatever usernames it tries) is refused for the cool-off period, so that nobody can guess through many
accounts or fill the audit log with failures.
"""

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

_PREFIX = "signin-failures:"


def _address(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind our proxy the address it appended to X-Forwarded-For
    (the proxy must append, as nginx's $proxy_add_x_forwarded_for does; earlier entries are the client's
    own claims). Anything that is not an IP address falls back to REMOTE_ADDR."""
    if request is None:
        return None
    if settings.USE_X_FORWARDED_FOR:
        forwarded = _address(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1])
        if forwarded:
            return forwarded
    return _address(request.META.get("REMOTE_ADDR"))


def address_blocked(ip: str | None) -> bool:
    return bool(ip) and cache.get(_PREFIX + ip, 0) >= settings.LOGIN_FAILURES_PER_ADDRESS


class AddressThrottleBackend:
    """An authentication backend that authenticates nobody: it stops authenticate() for a blocked address
    (the admin's sign-in included), before any password is tried."""

    def authenticate(self, request, **credentials):
        if request is not None and address_blocked(client_ip(request)):
            raise PermissionDenied
        return None  # and no get_user(): it never signs anyone in


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


def cooloff_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def address_blocked_message() -> str:
    minutes = cooloff_minutes()
    return _("Too many failed sign-ins from this computer: try again in %(minutes)d minutes.") % {
        "minutes": minutes
    }
