"""Header and navigation context: the user's halls, the current hall, its business day, the role menu."""

from django.urls import reverse
from django.utils import timezone

from servicecenter import navigation
from servicecenter.clock import business_day
from servicecenter.roles import Role
from servicecenter.scoping import access_for, has_hall_perm


def hall_context(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    hall = getattr(request, "hall", None)
    context = {"my_halls": access_for(user).halls}
    if hall is None:
        return context
    roles = getattr(request, "hall_roles", frozenset())
    context.update(
        current_hall=hall,
        current_business_day=business_day(hall, timezone.now()),
        current_roles=[label for value, label in Role.choices if value in roles],
        nav={
            "api": bool(roles & {Role.SUPERVISOR, Role.MANAGER, Role.AUDITOR}) or user.is_superuser,
        },
    )
    current = getattr(getattr(request, "resolver_match", None), "url_name", None)
    menu = [
        {
            "label": item.label,
            "url": reverse(item.url_name, kwargs={"hall_id": hall.pk}),
            "active": current == item.url_name,
            "group": item.group,
        }
        for item in navigation.items()
        if any(has_hall_perm(user, hall, perm) for perm in item.perms)
    ]
    context["hall_menu"] = [item for item in menu if item["group"] == "main"]
    context["reports_menu"] = [item for item in menu if item["group"] == "reports"]
    context["manage_menu"] = [item for item in menu if item["group"] not in ("main", "reports")]
    return context
