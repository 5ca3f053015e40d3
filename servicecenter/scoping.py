"""Hall scoping: the one way every view, API endpoint and export limits data to the user's halls.

A user reaches a hall through a Membership in it, or through a company-wide membership (manager) in its
company. Superusers reach every hall. Everything else is denied: an object outside the user's halls is a
404 (its existence is not disclosed), an action the user's roles in that hall do not allow is a 403.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from servicecenter.http import set_private_cookie
from servicecenter.models import Hall, Membership
from servicecenter.roles import ROLE_PERMISSIONS, Role

_CACHE_ATTR = "_servicecenter_access"


@dataclass(frozen=True)
class Access:
    """What a user may reach, loaded once per request (two queries)."""

    is_superuser: bool
    halls: tuple[Hall, ...]
    roles_by_hall: dict[int, frozenset[str]]

    @property
    def hall_ids(self) -> frozenset[int]:
        return frozenset(hall.pk for hall in self.halls)

    def roles_in(self, hall: Hall | int) -> frozenset[str]:
        hall_id = hall if isinstance(hall, int) else hall.pk
        return self.roles_by_hall.get(hall_id, frozenset())


def access_for(user) -> Access:
    """The halls a user reaches and their roles in each, cached on the user object."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        access = Access(False, (), {})
    elif user.is_superuser:
        halls = tuple(Hall.objects.select_related("company").filter(is_active=True))
        access = Access(True, halls, {h.pk: frozenset(Role.values) for h in halls})
    else:
        # One query for people who work in halls; a second only for company-wide roles.
        memberships = list(Membership.objects.filter(user=user).select_related("hall__company"))
        by_id: dict[int, Hall] = {m.hall_id: m.hall for m in memberships if m.hall_id and m.hall.is_active}
        company_roles: dict[int, set[str]] = {}
        for m in memberships:
            if m.hall_id is None:
                company_roles.setdefault(m.company_id, set()).add(m.role)
        if company_roles:
            company_halls = Hall.objects.select_related("company").filter(
                company_id__in=company_roles, is_active=True
            )
            by_id.update((h.pk, h) for h in company_halls)
        halls = tuple(sorted(by_id.values(), key=lambda h: (h.company.name, h.name)))
        roles = {
            h.pk: frozenset(
                {m.role for m in memberships if m.hall_id == h.pk} | company_roles.get(h.company_id, set())
            )
            for h in halls
        }
        access = Access(False, halls, roles)
    setattr(user, _CACHE_ATTR, access)
    return access


def forget_access(user) -> None:
    """Drop the cached access after a membership change in the same request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def halls_for(user) -> QuerySet[Hall]:
    return Hall.objects.select_related("company").filter(pk__in=access_for(user).hall_ids)


def scope_to_halls(queryset: QuerySet, user, *, field: str = "hall") -> QuerySet:
    """Filter any queryset whose rows belong to a hall (through `field`) to the user's halls."""
    return queryset.filter(**{f"{field}__in": access_for(user).hall_ids})


def int_or_404(value) -> int:
    """An id from a URL, form or cookie; anything that is not one is a 404."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def get_hall_for_user(user, hall_id, perm: str | None = None) -> Hall:
    """The hall if the user reaches it, else 404 — whether it exists or not; 403 without `perm` there."""
    hall_id = int_or_404(hall_id)
    hall = next((h for h in access_for(user).halls if h.pk == hall_id), None)
    if hall is None:
        raise Http404
    if perm is not None and not has_hall_perm(user, hall, perm):
        raise PermissionDenied
    return hall


def roles_in_hall(user, hall: Hall | int) -> frozenset[str]:
    return access_for(user).roles_in(hall)


def has_hall_perm(user, hall: Hall | int, perm: str) -> bool:
    """Whether one of the user's roles in this hall carries the permission (see roles.ROLE_PERMISSIONS)."""
    access = access_for(user)
    if access.is_superuser:
        return True
    return any(perm in ROLE_PERMISSIONS.get(role, ()) for role in access.roles_in(hall))


LAST_HALL_COOKIE = "sc_hall"


def remember_hall(request, response, hall: Hall) -> None:
    """Remember the hall last worked in, for "/" to open it: a cookie, so no session write per hall page.
    It is only a preference: "/" checks it against the user's halls like any other hall id."""
    if request.COOKIES.get(LAST_HALL_COOKIE) != str(hall.pk):
        set_private_cookie(response, LAST_HALL_COOKIE, str(hall.pk), max_age=365 * 24 * 3600)


def last_hall_id(request) -> int | None:
    value = request.COOKIES.get(LAST_HALL_COOKIE, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def hall_view(perm: str | None = None):
    """Decorate a view taking `hall_id`: 404 outside the user's halls, 403 without `perm` there.

    Sets `request.hall` and `request.hall_roles` for the view and its templates.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, hall_id, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            hall = get_hall_for_user(request.user, hall_id, perm)
            request.hall = hall
            request.hall_roles = roles_in_hall(request.user, hall)
            response = view(request, *args, **kwargs)
            remember_hall(request, response, hall)
            return response

        return wrapped

    return decorator
