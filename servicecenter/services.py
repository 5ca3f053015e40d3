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
from rest_framework.authtoken.models import Token

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


def _account_event(kind: str, *, user: User, by: User | None, hall: Hall | None = None) -> None:
    """An audit event about a staff account, by whoever acted on it."""
    record_audit_event(
        kind=kind, actor=by, hall=hall, subject=user.get_username(), detail={"user_id": user.pk}
    )


def record_login(*, user: User, ip_address: str | None, via: str = "web") -> None:
    """A successful sign-in: last_login (bookkeeping, so no history row per sign-in) and an audit event."""
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    record_audit_event(
        kind=AuditEvent.Kind.LOGIN,
        actor=user,
        ip_address=ip_address,
        detail={"via": via} if via != "web" else {},
    )


def purge_audit_events(*, now: datetime) -> int:
    """Remove audit events older than the retention period (at least 180 days); returns how many."""
    cutoff = now - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _by_model = AuditEvent.objects.filter(at__lt=cutoff).delete()
    return deleted


def sync_role_groups() -> None:
    """Make each role a group holding exactly the permissions of roles.ROLE_PERMISSIONS."""
    names = {name for perms in ROLE_PERMISSIONS.values() for name in perms}
    found = Permission.objects.select_related("content_type").filter(
        codename__in={name.split(".", 1)[1] for name in names}
    )
    by_name = {f"{p.content_type.app_label}.{p.codename}": p for p in found}
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([by_name[name] for name in perms if name in by_name])


def may_grant_role(by: User, role: str, *, hall: Hall) -> bool:
    """Whether `by` may give this role in this hall (what the staff page offers)."""
    return role not in COMPANY_WIDE_ROLES and _may_grant(by, role, hall=hall, company=hall.company)


def _may_grant(by: User, role: str, *, hall: Hall | None, company: Company) -> bool:
    """Whether `by` may give or take this role here: supervisors within their hall, managers company-wide."""
    if by.is_superuser:
        return True
    access = access_for(by)
    if role in COMPANY_WIDE_ROLES or role == Role.SUPERVISOR:
        # Only a manager of the company appoints supervisors and managers.
        return any(Role.MANAGER in access.roles_in(h) for h in access.halls if h.company_id == company.pk)
    return hall is not None and has_hall_perm(by, hall, "servicecenter.add_membership")


# Accounts of these roles are looked after by the company's manager, not by a hall supervisor: the
# supervisors themselves, and the finance auditor, who audits the hall from outside (separation of duties).
_MANAGED_BY_MANAGER = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.FINANCE_AUDITOR})


def _may_manage_account(by: User, user: User) -> bool:
    """Whether `by` may look after `user`'s account (password, lockout): only if `by` has authority over
    every role the user holds, in every hall and company (closed halls included). Administrators'
    accounts and accounts without any role are the administrator's."""
    if by.is_superuser:
        return True
    if user.is_superuser or user.is_staff or user.pk == by.pk:
        return False
    memberships = list(Membership.objects.filter(user=user))
    if not memberships:
        return False
    mine = access_for(by)
    manager_of = {h.company_id for h in mine.halls if Role.MANAGER in mine.roles_in(h)}
    for membership in memberships:
        if membership.role in _MANAGED_BY_MANAGER or membership.hall_id is None:
            if membership.company_id not in manager_of:
                return False
        elif not has_hall_perm(by, membership.hall_id, "servicecenter.add_membership"):
            return False  # includes closed halls, which nobody but an administrator reaches
    return True


def _may_take_on(by: User, user: User, company: Company) -> bool:
    """Whom a role may be given: a colleague the company already employs (all their roles are in it).
    An account with no role at all, or an administrator's, only an administrator may give one."""
    if by.is_superuser:
        return True
    if user.is_superuser or user.is_staff:
        return False
    companies = set(Membership.objects.filter(user=user).values_list("company_id", flat=True))
    return companies == {company.pk}


def grant_role(
    *, user: User, role: str, by: User, hall: Hall | None = None, company: Company | None = None
) -> Membership:
    """Give `user` a role in a hall (or company-wide for a manager), with an audit event."""
    hall, company = check_grant(user=user, role=role, by=by, hall=hall, company=company)
    return _write_grant(user=user, role=role, by=by, hall=hall, company=company)


def check_grant(
    *,
    user: User,
    role: str,
    by: User,
    hall: Hall | None = None,
    company: Company | None = None,
    new_account: bool = False,
) -> tuple[Hall | None, Company]:
    """Every refusal of grant_role, without writing; returns where the role is held. A `new_account` (being
    created with this role) has no employer yet to check."""
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
    if new_account:
        return hall, company
    if not _may_take_on(by, user, company):
        raise KernelError(_("No colleague with this username can be given a role here."), code="forbidden")
    if Membership.objects.filter(user=user, role=role, company=company, hall=hall).exists():
        raise KernelError(_("%(user)s already holds this role here.") % {"user": user.display_name})
    return hall, company


def _write_grant(*, user: User, role: str, by: User, hall: Hall | None, company: Company) -> Membership:
    # Validated before writing: a refusal leaves a caller's transaction usable.
    with transaction.atomic(savepoint=False):
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


@transaction.atomic  # a savepoint when nested (the admin's delete view): a refusal undoes only this
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
    with transaction.atomic(savepoint=False):
        user.save()
        _account_event(AuditEvent.Kind.USER_CREATED, user=user, by=by)
    return user


@transaction.atomic(durable=True)
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
    check_grant(user=User(is_active=True), role=role, by=by, hall=hall, new_account=True)
    user = create_staff_user(
        username=username,
        password=password,
        first_name=first_name,
        last_name=last_name,
        staff_number=staff_number,
        by=by,
    )
    # A brand-new account: the role goes to the company that made it, which "take on" could not see yet.
    _write_grant(user=user, role=role, by=by, hall=hall, company=hall.company)
    return user


@transaction.atomic(savepoint=False)
def mark_created_by_admin(*, user: User, by: User) -> User:
    """An account the administrator made in the admin: its owner chooses a password at first sign-in."""
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    _account_event(AuditEvent.Kind.USER_CREATED, user=user, by=by)
    return user


def _validated(password: str, user: User) -> str:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise KernelError(" ".join(exc.messages)) from exc
    return password


def _end_other_access(user: User) -> None:
    """After a password is set for someone: their API tokens stop working and any lockout is lifted."""
    Token.objects.filter(user=user).delete()
    axes_reset(username=user.get_username())


@transaction.atomic(durable=True)
def reset_password(*, user: User, new_password: str, by: User, hall: Hall | None = None) -> User:
    """Give a colleague a temporary password (to be changed at next sign-in) and lift any lockout."""
    if user.pk == by.pk:
        raise KernelError(_("Change your own password from the user menu."))
    if not _may_manage_account(by, user):
        raise KernelError(_("You may not manage this account."), code="forbidden")
    user.set_password(_validated(new_password, user))
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    _end_other_access(user)
    _account_event(AuditEvent.Kind.PASSWORD_RESET, user=user, by=by, hall=hall)
    return user


@transaction.atomic(savepoint=False)  # the admin's password form has already saved the new password
def password_set_by_admin(*, user: User, by: User) -> User:
    """The administrator set a password in the admin: it is temporary, like any reset."""
    user.must_change_password = user.pk != by.pk
    user.save(update_fields=["must_change_password"])
    _end_other_access(user)
    _account_event(AuditEvent.Kind.PASSWORD_RESET, user=user, by=by, hall=None)
    return user


@transaction.atomic(durable=True)
def unlock_account(*, user: User, by: User, hall: Hall | None = None) -> None:
    """Lift the lockout after failed sign-ins before the cool-off runs out."""
    if not _may_manage_account(by, user):
        raise KernelError(_("You may not manage this account."), code="forbidden")
    axes_reset(username=user.get_username())
    _account_event(AuditEvent.Kind.ACCOUNT_UNLOCKED, user=user, by=by, hall=hall)


@transaction.atomic(durable=True)
def change_password(*, user: User, new_password: str, by: User) -> User:
    """The user's own new password (validated by Django's validators); clears the first-login flag."""
    user.set_password(_validated(new_password, user))
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    Token.objects.filter(user=user).delete()
    _account_event(AuditEvent.Kind.PASSWORD_CHANGED, user=user, by=by)
    return user


@transaction.atomic(durable=True)
def issue_api_token(*, user: User, ip_address: str | None) -> Token:
    """An API token for a signed-in user, recorded as a sign-in through the API."""
    if user.must_change_password:
        raise KernelError(_("You must change your password before you continue."), code="forbidden")
    token, _created = Token.objects.get_or_create(user=user)
    record_login(user=user, ip_address=ip_address, via="api")
    return token
