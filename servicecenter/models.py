"""The shared kernel's tables: staff users, companies, halls, counter windows, memberships, audit events."""

from datetime import time
from zoneinfo import available_timezones

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from servicecenter.roles import Role


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("Unknown time zone: %(zone)s."), params={"zone": value})


class User(AbstractUser):
    """A member of staff. Roles are held per hall through Membership, never on the user."""

    staff_number = models.CharField(_("staff number"), max_length=20, unique=True, null=True, blank=True)
    photo = models.ImageField(
        _("photo"),
        upload_to="staff/",
        blank=True,
        help_text=_("Shown to customers on the rating device at the rep's window."),
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set for accounts an administrator created: the password is changed at first login."),
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")

    @property
    def display_name(self) -> str:
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username


class Company(models.Model):
    """项目公司: a city-gas operating company with one or more service halls."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=20, unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Hall(models.Model):
    """客服中心/营业厅: a walk-in service hall. Its business day ends at the cut-off time."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="halls", verbose_name=_("company")
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=20, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    cutoff = models.TimeField(
        _("business-day cut-off"),
        default=time(4, 0),
        help_text=_("Anything done before this time belongs to the previous business day."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=40, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class OpenDays(models.TextChoices):
        STATE = "state", _("Build it and say so on its cover")
        REFUSE = "refuse", _("Refuse until every day is locked")

    statement_open_days = models.CharField(
        _("monthly statement of a month with open days"),
        max_length=10,
        choices=OpenDays.choices,
        default=OpenDays.STATE,
        help_text=_("What the monthly statement does while days of the month are not locked yet."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hall")
        verbose_name_plural = _("halls")
        ordering = ["company__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="hall_name_unique_in_company"),
            # A cut-off after noon would make the "previous business day" rule meaningless.
            models.CheckConstraint(condition=Q(cutoff__lte=time(12, 0)), name="hall_cutoff_before_noon"),
        ]

    def __str__(self) -> str:
        return self.name


class Window(models.Model):
    """A counter window (窗口) of a hall, numbered as the customers see it."""

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="windows", verbose_name=_("hall"))
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=50, blank=True)
    is_active = models.BooleanField(_("in service"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("window")
        verbose_name_plural = _("windows")
        ordering = ["hall", "number"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="window_number_unique_in_hall")
        ]

    def __str__(self) -> str:
        return self.name or _("Window %(number)s") % {"number": self.number}


class Membership(models.Model):
    """A user's role in a hall; a manager's membership is company-wide and names no hall."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("company")
    )
    hall = models.ForeignKey(
        Hall,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("hall"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "hall", "role"],
                condition=Q(hall__isnull=False),
                name="membership_unique_in_hall",
            ),
            models.UniqueConstraint(
                fields=["user", "company", "role"],
                condition=Q(hall__isnull=True),
                name="membership_unique_in_company",
            ),
            models.CheckConstraint(
                condition=(Q(role=Role.MANAGER) & Q(hall__isnull=True))
                | (~Q(role=Role.MANAGER) & Q(hall__isnull=False)),
                name="membership_manager_company_wide_others_in_hall",
            ),
        ]

    def __str__(self) -> str:
        where = self.hall or self.company
        return f"{self.user} · {self.get_role_display()} · {where}"

    def clean(self) -> None:
        if self.hall_id and self.company_id and self.hall.company_id != self.company_id:
            raise ValidationError({"company": _("This hall belongs to another company.")})


class AuditEvent(models.Model):
    """An explicit audit record of a security-relevant act: logins, role changes, approvals, unmasking."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOCKED_OUT = "locked_out", _("Account locked out")
        LOGOUT = "logout", _("Logout")
        SESSION_EXPIRED = "session_expired", _("Session expired")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password reset")
        ACCOUNT_UNLOCKED = "account_unlocked", _("Account unlocked")
        USER_CREATED = "user_created", _("User created")
        ROLE_GRANTED = "role_granted", _("Role granted")
        ROLE_REVOKED = "role_revoked", _("Role revoked")
        APPROVAL = "approval", _("Approval")
        UNMASK = "unmask", _("Personal data shown")

    at = models.DateTimeField(_("at"), db_index=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["hall", "-at"], name="auditevent_hall_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        # Only the retention purge removes audit events, in bulk, after the retention period.
        raise ValueError("Audit events are never deleted one by one.")

    @property
    def detail_display(self) -> str:
        """The detail for people: role codes by their names, internal ids left out."""
        parts = []
        for key, value in self.detail.items():
            if key == "role" and value in Role.values:
                parts.append(str(Role(value).label))
            elif not key.endswith("_id"):
                parts.append(f"{key}: {value}")
        return "; ".join(parts)
