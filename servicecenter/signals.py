"""Framework hooks only: audit events for authentication, role groups after migrate."""

from axes.signals import user_locked_out
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_migrate

from servicecenter.auth_policy import address_blocked, client_ip, count_failure
from servicecenter.middleware import mark_active
from servicecenter.models import AuditEvent
from servicecenter.services import record_audit_event, record_login, sync_role_groups


def _logged_in(sender, request, user, **kwargs):
    # The token endpoint records its own sign-in (via the API); this is the sign-in page and the admin.
    record_login(user=user, ip_address=client_ip(request))
    if request is not None and hasattr(request, "session"):
        mark_active(request)


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        expired = bool(getattr(request, "session_expired", False))
        kind = AuditEvent.Kind.SESSION_EXPIRED if expired else AuditEvent.Kind.LOGOUT
        record_audit_event(kind=kind, actor=user, ip_address=client_ip(request))


def _login_failed(sender, credentials, request=None, **kwargs):
    ip = client_ip(request)
    if address_blocked(ip):
        return  # refused without trying the password; recorded once, when the address was blocked
    count_failure(ip)
    record_audit_event(
        kind=AuditEvent.Kind.LOGIN_FAILED, username=credentials.get("username", ""), ip_address=ip
    )


def _locked_out(sender, request, username, ip_address, **kwargs):
    record_audit_event(
        kind=AuditEvent.Kind.LOCKED_OUT, username=username or "", ip_address=client_ip(request)
    )


def _post_migrate(sender, **kwargs):
    if sender.name == "servicecenter":
        sync_role_groups()


def connect() -> None:
    # last_login is written by services.record_login (one UPDATE, no history row per sign-in).
    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
    user_logged_in.connect(_logged_in, dispatch_uid="sc_logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="sc_logged_out")
    user_login_failed.connect(_login_failed, dispatch_uid="sc_login_failed")
    user_locked_out.connect(_locked_out, dispatch_uid="sc_locked_out")
    post_migrate.connect(_post_migrate, dispatch_uid="sc_post_migrate")
