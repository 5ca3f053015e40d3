"""Reads of the kernel for pages and the API: hall overview, staff by role, audit events."""

from dataclasses import dataclass
from datetime import date, datetime

from axes.helpers import get_cache, get_client_cache_keys
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Case, Count, Q, QuerySet, Value, When

from servicecenter.clock import business_day, business_day_bounds
from servicecenter.models import AuditEvent, Hall, Membership, User, Window
from servicecenter.roles import ROLE_PERMISSIONS, Role

# Roles in the order of the specification's table (rep first), for lists of staff.
ROLE_ORDER = Case(*(When(role=role, then=Value(i)) for i, role in enumerate(Role.values)), default=Value(99))


@dataclass
class RoleGroup:
    role: str
    label: str
    members: list[User]


@dataclass
class HallToday:
    hall: Hall
    business_day: date
    starts: datetime
    ends: datetime
    windows: list[Window]
    staff: list[RoleGroup]
    signed_in: set[int]  # users who signed in during this business day

    @property
    def windows_in_service(self) -> int:
        return sum(1 for w in self.windows if w.is_active)


def hall_memberships(hall: Hall) -> QuerySet[Membership]:
    """Everyone who holds a role in the hall, company-wide managers included."""
    return (
        Membership.objects.filter(Q(hall=hall) | Q(hall__isnull=True, company_id=hall.company_id))
        .filter(user__is_active=True)
        .select_related("user")
        .order_by(ROLE_ORDER, "user__last_name", "user__first_name", "user__username")
    )


def staff_with_perm(hall: Hall, perm: str) -> list[User]:
    """Everyone whose role in the hall carries `perm` (e.g. who takes payments), once each, in one query."""
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
    seen: dict[int, User] = {}
    for membership in hall_memberships(hall).filter(role__in=roles):
        seen.setdefault(membership.user_id, membership.user)
    return list(seen.values())


def staff_by_role(hall: Hall) -> list[RoleGroup]:
    grouped: dict[str, list[User]] = {}
    for membership in hall_memberships(hall):
        grouped.setdefault(membership.role, []).append(membership.user)
    return [RoleGroup(role, label, grouped[role]) for role, label in Role.choices if role in grouped]


def hall_today(hall: Hall, *, at: datetime) -> HallToday:
    day = business_day(hall, at)
    starts, ends = business_day_bounds(hall, day)
    staff = staff_by_role(hall)
    member_ids = {user.pk for group in staff for user in group.members}
    signed_in = set(
        AuditEvent.objects.filter(
            kind=AuditEvent.Kind.LOGIN, actor_id__in=member_ids, at__gte=starts, at__lt=ends
        ).values_list("actor_id", flat=True)
    )
    return HallToday(
        hall=hall,
        business_day=day,
        starts=starts,
        ends=ends,
        windows=list(hall.windows.all()),
        staff=staff,
        signed_in=signed_in,
    )


def audit_events_for_hall(hall: Hall) -> QuerySet[AuditEvent]:
    """Events in the hall, and sign-ins and sign-outs of the people who work there."""
    members = Membership.objects.filter(Q(hall=hall) | Q(hall__isnull=True, company_id=hall.company_id))
    personal = Q(hall__isnull=True, company__isnull=True) & (
        Q(actor__in=members.values("user")) | Q(username__in=members.values("user__username"))
    )
    return AuditEvent.objects.filter(Q(hall=hall) | personal).select_related("actor", "hall")


def locked_out_usernames(usernames: list[str]) -> set[str]:
    """Which of these accounts axes holds locked right now (one cache round trip, no queries)."""
    keys: dict[str, str] = {}
    for username in usernames:
        # An unsaved attempt is how axes itself derives the cache keys of an account.
        attempt = AccessAttempt(username=username, ip_address=None, user_agent="")
        keys.update(dict.fromkeys(get_client_cache_keys(attempt), username))
    failures: dict[str, int] = {}
    for key, count in get_cache().get_many(list(keys)).items():
        failures[keys[key]] = failures.get(keys[key], 0) + count
    return {username for username, count in failures.items() if count >= settings.AXES_FAILURE_LIMIT}


def company_halls(halls: list[Hall]) -> list[Hall]:
    """Halls with their windows in service and staff counted in SQL."""
    ids = [h.pk for h in halls]
    return list(
        Hall.objects.filter(pk__in=ids)
        .select_related("company")
        .annotate(
            windows_in_service=Count("windows", filter=Q(windows__is_active=True), distinct=True),
            staff_count=Count("memberships__user", distinct=True),
        )
    )
