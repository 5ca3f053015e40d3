"""Hall scoping: the one way every view, API endpoint and export limits data to the user's halls.

A user reaches a hall through a Membership in it, or through a company-wide membership (manager) in its
company. Superusers reach every hall. Everything else is denied: an object outside the user's halls is a
404 (its existence is not disclosed), an action the user's roles in that hall do not allow is a 403.
"""

from dataclasses import dataclass
from functools import cache, wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from servicecenter import prepared
from servicecenter.http import set_private_cookie
from servicecenter.models import Company, Hall, Membership
from servicecenter.roles import ROLE_PERMISSIONS, Role

_CACHE_ATTR = "_servicecenter_access"


@dataclass(frozen=True)
class Access:
    """What a user may reach, loaded once per request (one query)."""

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
        access = _access(_reachable(user.pk))
    setattr(user, _CACHE_ATTR, access)
    return access


def access_statement(user) -> tuple[prepared.Statement, list] | None:
    """The statement (and its values) reading what `access_for` would, for a caller that sends it in one
    round trip with its own (PostgreSQL: prepared.run); None when the user's access is known already or
    needs no query. Give the rows it returned to `remember_access`."""
    if getattr(user, _CACHE_ATTR, None) is not None or connection.vendor != "postgresql":
        return None
    if not user.is_authenticated or not user.is_active or user.is_superuser:
        return None
    return _reachable_statement(), [user.pk]


def remember_access(user, rows: list[tuple]) -> Access:
    """The user's access from the rows of `access_statement`, cached on the user as `access_for` does."""
    access = _access(_halls(rows))
    setattr(user, _CACHE_ATTR, access)
    return access


def _access(reachable: list[tuple[str, Hall]]) -> Access:
    halls_by_id: dict[int, Hall] = {}
    roles: dict[int, set[str]] = {}
    for role, hall in reachable:
        halls_by_id.setdefault(hall.pk, hall)
        roles.setdefault(hall.pk, set()).add(role)
    halls = tuple(sorted(halls_by_id.values(), key=lambda h: (h.company.name, h.name)))
    return Access(False, halls, {pk: frozenset(r) for pk, r in roles.items()})


@cache
def _reachable_sql(placeholder: str) -> str:
    q = connection.ops.quote_name
    hall_columns = ", ".join(f"h.{q(f.column)}" for f in Hall._meta.concrete_fields)
    company_columns = ", ".join(f"c.{q(f.column)}" for f in Company._meta.concrete_fields)
    return (
        f"SELECT m.role, {hall_columns}, {company_columns} FROM {q(Membership._meta.db_table)} m "  # noqa: S608
        f"JOIN {q(Hall._meta.db_table)} h ON h.is_active "
        "AND (h.id = m.hall_id OR (m.hall_id IS NULL AND h.company_id = m.company_id)) "
        f"JOIN {q(Company._meta.db_table)} c ON c.id = h.company_id WHERE m.user_id = {placeholder}"
    )


@cache
def _reachable_statement() -> prepared.Statement:
    return prepared.Statement(_reachable_sql("$1"), ("bigint",))


def _reachable(user_id: int) -> list[tuple[str, Hall]]:
    """(role, hall) for every active hall a membership reaches: its own hall, or — company-wide roles — each
    of the company's halls. One hand-written query, prepared once per session on PostgreSQL: it runs on
    every request, where the ORM's cost of putting the joined query together and back into objects was twice
    that of the query itself, and planning the join half of it."""
    if connection.vendor == "postgresql":
        [rows] = prepared.run((_reachable_statement(), [user_id]))
    else:
        with connection.cursor() as cursor:
            cursor.execute(_reachable_sql("%s"), [user_id])
            rows = cursor.fetchall()
    return _halls(rows)


def _halls(rows: list[tuple]) -> list[tuple[str, Hall]]:
    hall_names = [f.attname for f in Hall._meta.concrete_fields]
    company_names = [f.attname for f in Company._meta.concrete_fields]
    out = []
    for row in rows:
        hall = Hall.from_db(connection.alias, hall_names, row[1 : 1 + len(hall_names)])
        hall.company = Company.from_db(connection.alias, company_names, row[1 + len(hall_names) :])
        out.append((row[0], hall))
    return out


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


def get_company_for_user(user, company_id, perm: str) -> tuple[Company, tuple[Hall, ...]]:
    """A company and its active halls, for what covers the whole company at once (its managers' reports):
    404 unless the user reaches one of its halls; 403 unless they hold `perm` in every one of them — a view
    of the whole company is not for someone who may see part of it."""
    company_id = int_or_404(company_id)
    halls = tuple(h for h in access_for(user).halls if h.company_id == company_id)
    if not halls:
        raise Http404
    if not all(has_hall_perm(user, hall, perm) for hall in halls):
        raise PermissionDenied
    active = set(Hall.objects.filter(company_id=company_id, is_active=True).values_list("pk", flat=True))
    if active != {hall.pk for hall in halls}:
        raise PermissionDenied
    return halls[0].company, halls


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
