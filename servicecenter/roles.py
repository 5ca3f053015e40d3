"""Staff roles (spec §1) and what each may do. The one table that maps roles to permissions.

A permission here is checked per hall (`scoping.has_hall_perm`): holding a role in hall A grants nothing in
hall B. Each role is also a Django group carrying the same permissions, kept in step by `sync_role_groups`,
so that the admin and `user.has_perm` agree with this table.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REP = "rep", _("Counter representative")
    AUDITOR = "auditor", _("Reconciliation auditor")
    SUPERVISOR = "supervisor", _("Supervisor")
    DUTY_MANAGER = "duty_manager", _("Duty manager")
    GREETER = "greeter", _("Greeter")
    FINANCE_AUDITOR = "finance_auditor", _("Finance auditor")
    MANAGER = "manager", _("Manager")


# Roles whose membership spans every hall of the company.
COMPANY_WIDE_ROLES = frozenset({Role.MANAGER})

_EVERYONE = ["servicecenter.view_hall", "servicecenter.view_window"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.REP: [*_EVERYONE],
    Role.GREETER: [*_EVERYONE],
    Role.AUDITOR: [*_EVERYONE, "servicecenter.view_membership"],
    Role.DUTY_MANAGER: [*_EVERYONE, "servicecenter.view_membership"],
    Role.SUPERVISOR: [
        *_EVERYONE,
        "servicecenter.view_membership",
        "servicecenter.add_membership",
        "servicecenter.delete_membership",
        "servicecenter.view_auditevent",
    ],
    Role.FINANCE_AUDITOR: [*_EVERYONE, "servicecenter.view_membership", "servicecenter.view_auditevent"],
    Role.MANAGER: [
        *_EVERYONE,
        "servicecenter.view_membership",
        "servicecenter.add_membership",
        "servicecenter.delete_membership",
        "servicecenter.view_auditevent",
    ],
}
