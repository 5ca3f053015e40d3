"""Writes of the kernel: audit events, staff accounts, role memberships, passwords."""

from datetime import datetime, timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicecenter.errors import KernelError
from servicecenter.models import AuditEvent, Company, Hall, Membership, User
from servicecenter.roles import COMPANY_WIDE_ROLES, ROLE_PERMISSIONS, Role
from servicecenter.scoping import access_for, forget_access, has_hall_perm


def record_audit_event(
    *,
    kind: str,
    actor: User | None = None,
    username: str = "",
    hall: Hall | None = None,
    company: Company | None = None,
    subject: str = "",
    detail: dict | None = None,
    ip_address: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one audit event. Callers inside a transaction get it in the same transaction."""
    if company is None and hall is not None:
        company = hall.company
    return AuditEvent.objects.create(
        at=at or timezone.now(),
        kind=kind,
        actor=actor if actor is not None and actor.pk else None,
        username=(username or (actor.get_username() if actor is not None else ""))[:150],
        company=company,
        hall=hall,
        subject=subject[:200],
        detail=detail or {},
        ip_address=ip_address,
    )


def purge_audit_events(*, now: datetime) -> int:
    """Remove audit events older than the retention period (at least 180 days); returns how many."""
    cutoff = now - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _by_model = AuditEvent.objects.filter(at__lt=cutoff).delete()
    return deleted


def sync_role_groups() -> None:
    """Make each role a group holding exactly the permissions of roles.ROLE_PERMISSIONS."""
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


def _may_grant(by: User, role: str, *, hall: Hall | None, company: Company) -> bool:
    if by.is_superuser:
        return True
    access = access_for(by)
    if role in COMPANY_WIDE_ROLES or role == Role.SUPERVISOR:
        # Only a manager of the company appoints supervisors and managers.
        return any(Role.MANAGER in access.roles_in(h) for h in access.halls if h.company_id == company.pk)
    return hall is not None and has_hall_perm(by, hall, "servicecenter.add_membership")


@transaction.atomic
def grant_role(
    *, user: User, role: str, by: User, hall: Hall | None = None, company: Company | None = None
) -> Membership:
    """Give `user` a role in a hall (or company-wide for a manager), with an audit event."""
    if role not in Role.values:
        raise KernelError(_("Unknown role."))
    if role in COMPANY_WIDE_ROLES:
        if company is None:
            company = hall.company if hall is not None else None
        if company is None:
            raise KernelError(_("A company-wide role needs a company."))
        hall = None
    else:
        if hall is None:
            raise KernelError(_("This role is held in a hall: choose the hall."))
        company = hall.company
    if not user.is_active:
        raise KernelError(_("This account is disabled."))
    if not _may_grant(by, role, hall=hall, company=company):
        raise KernelError(_("You may not grant this role here."), code="forbidden")
    exists = Membership.objects.filter(user=user, role=role, company=company, hall=hall).exists()
    if exists:
        raise KernelError(_("%(user)s already holds this role here.") % {"user": user.display_name})
    membership = Membership.objects.create(user=user, role=role, company=company, hall=hall)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    record_audit_event(
        kind=AuditEvent.Kind.ROLE_GRANTED,
        actor=by,
        hall=hall,
        company=company,
        subject=user.get_username(),
        detail={"role": role, "user_id": user.pk},
    )
    forget_access(user)
    return membership


@transaction.atomic
def revoke_role(*, membership: Membership, by: User) -> None:
    """Take a role away; its history keeps who held it, and an audit event says who removed it."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "hall", "company")
        .get(pk=membership.pk)
    )
    if not _may_grant(by, membership.role, hall=membership.hall, company=membership.company):
        raise KernelError(_("You may not revoke this role here."), code="forbidden")
    if membership.user_id == by.pk and membership.role in (Role.SUPERVISOR, Role.MANAGER):
        raise KernelError(_("You cannot remove your own supervising role."))
    user, role = membership.user, membership.role
    record_audit_event(
        kind=AuditEvent.Kind.ROLE_REVOKED,
        actor=by,
        hall=membership.hall,
        company=membership.company,
        subject=user.get_username(),
        detail={"role": role, "user_id": user.pk},
    )
    membership.delete()
    if not Membership.objects.filter(user=user, role=role).exists():
        user.groups.remove(*Group.objects.filter(name=role))
    forget_access(user)


@transaction.atomic
def create_staff_user(
    *,
    username: str,
    password: str,
    by: User | None,
    first_name: str = "",
    last_name: str = "",
    staff_number: str | None = None,
    must_change_password: bool = True,
) -> User:
    """Create a staff account. Accounts made for someone else change their password at first login."""
    username = username.strip()
    if not username:
        raise KernelError(_("A username is required."))
    if User.objects.filter(username__iexact=username).exists():
        raise KernelError(_("This username is taken."))
    if staff_number and User.objects.filter(staff_number=staff_number).exists():
        raise KernelError(_("This staff number is taken."))
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        staff_number=staff_number or None,
        must_change_password=must_change_password,
    )
    user.set_password(password)
    user.save()
    record_audit_event(
        kind=AuditEvent.Kind.USER_CREATED, actor=by, subject=username, detail={"user_id": user.pk}
    )
    return user


def _may_manage_account(by: User, user: User, hall: Hall) -> bool:
    """A supervisor looks after the accounts of the hall's staff, a manager also after supervisors'."""
    if by.is_superuser:
        return True
    if not has_hall_perm(by, hall, "servicecenter.add_membership"):
        return False
    roles = access_for(user).roles_in(hall)
    if not roles:
        return False
    if roles & {Role.SUPERVISOR, Role.MANAGER} or user.is_superuser:
        return Role.MANAGER in access_for(by).roles_in(hall) and not user.is_superuser
    return True


def _account_event(kind: str, *, user: User, hall: Hall, by: User) -> None:
    record_audit_event(
        kind=kind, actor=by, hall=hall, subject=user.get_username(), detail={"user_id": user.pk}
    )


@transaction.atomic
def reset_password(*, user: User, new_password: str, hall: Hall, by: User) -> User:
    """Give a colleague a temporary password (to be changed at next sign-in) and lift any lockout."""
    if user.pk == by.pk:
        raise KernelError(_("Change your own password from the user menu."))
    if not _may_manage_account(by, user, hall):
        raise KernelError(_("You may not manage this account."), code="forbidden")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise KernelError(" ".join(exc.messages)) from exc
    user.set_password(new_password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    axes_reset(username=user.get_username())
    _account_event(AuditEvent.Kind.PASSWORD_RESET, user=user, hall=hall, by=by)
    return user


@transaction.atomic
def unlock_account(*, user: User, hall: Hall, by: User) -> None:
    """Lift the lockout after failed sign-ins before the cool-off runs out."""
    if not _may_manage_account(by, user, hall):
        raise KernelError(_("You may not manage this account."), code="forbidden")
    axes_reset(username=user.get_username())
    _account_event(AuditEvent.Kind.ACCOUNT_UNLOCKED, user=user, hall=hall, by=by)


@transaction.atomic
def change_password(*, user: User, new_password: str, by: User) -> User:
    """Set a new password (validated by Django's validators) and clear the first-login flag."""
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise KernelError(" ".join(exc.messages)) from exc
    user.set_password(new_password)
    user.must_change_password = by.pk != user.pk
    user.save(update_fields=["password", "must_change_password"])
    record_audit_event(
        kind=AuditEvent.Kind.PASSWORD_CHANGED,
        actor=by,
        subject=user.get_username(),
        detail={"user_id": user.pk},
    )
    return user


@transaction.atomic
def onboard_staff(
    *,
    username: str,
    password: str,
    first_name: str,
    last_name: str,
    staff_number: str,
    role: str,
    hall: Hall,
    by: User,
) -> User:
    """A new colleague: the account (password to change at first sign-in) and their role in the hall."""
    user = create_staff_user(
        username=username,
        password=password,
        first_name=first_name,
        last_name=last_name,
        staff_number=staff_number,
        by=by,
    )
    grant_role(user=user, role=role, hall=hall, by=by)
    return user
