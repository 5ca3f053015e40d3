"""A hall's business day as money sees it (spec §2, §4.4–4.6): report, approval, deposit, lock, reversals."""

from datetime import date

from django.conf import settings
from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from billing.errors import BillingError
from billing.models.base import MONEY, DayGuarded, NeverDeleted
from servicecenter.models import Hall


class HallDay(NeverDeleted):
    """open → approved (supervisor, after every till is verified) → locked (deposit recorded)."""

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("business day", "Open")
        APPROVED = "approved", _("Approved")
        LOCKED = "locked", _("Locked")

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="+", verbose_name=_("hall"))
    day = models.DateField(_("business day"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approval_note = models.CharField(_("approval note"), max_length=300, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("business day")
        verbose_name_plural = _("business days")
        permissions = [
            ("approve_day", _("Can approve the daily revenue report")),
            ("record_deposit", _("Can record the bank deposit and lock the day")),
        ]
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["hall", "day"], name="hall_day_unique")]

    def __str__(self) -> str:
        return f"{self.hall_id} {self.day}"

    def save(self, *args, **kwargs):
        # Locked is final: the row of a locked day is never written again, whatever path tries.
        if self.pk and type(self).objects.filter(pk=self.pk, state=self.State.LOCKED).exists():
            raise BillingError(_("The business day %(day)s is locked.") % {"day": self.day}, code="locked")
        super().save(*args, **kwargs)

    @classmethod
    def closed(cls, *, hall_id: int, day: date) -> bool:
        """Approved or locked: nothing more is recorded on the day."""
        return cls.objects.filter(hall_id=hall_id, day=day).exclude(state=cls.State.OPEN).exists()

    @classmethod
    def ensure(cls, *, hall: Hall, day: date) -> None:
        """Create the day's row if it does not exist yet (one statement, safe under concurrency)."""
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (hall_id, day, state, approval_note) VALUES (%s, %s, 'open', '') "  # noqa: S608
                "ON CONFLICT (hall_id, day) DO NOTHING",
                [hall.pk, day],
            )

    @classmethod
    def hold(cls, *, hall: Hall, day: date) -> "HallDay":
        """The day's row, created if new, under a shared lock until the transaction ends.

        Every money write holds its day this way, and approving or locking a day takes the row's exclusive
        lock: so a day never locks under a payment being written, yet payments do not wait for each other.
        """
        row = cls._held(hall, day)
        if row is not None:
            return row
        cls.ensure(hall=hall, day=day)
        return cls._held(hall, day)

    @classmethod
    def lock(cls, *, hall: Hall, day: date) -> "HallDay":
        """The day's row, created if new, under an exclusive lock (never after a shared one: no upgrade, no
        deadlock): for numbering tills, building the report, approving and locking."""
        cls.ensure(hall=hall, day=day)
        return cls.objects.select_for_update().get(hall=hall, day=day)

    @classmethod
    def _held(cls, hall: Hall, day: date) -> "HallDay | None":
        query = cls.objects.filter(hall=hall, day=day)
        if not connection.features.has_select_for_update:
            return query.first()
        sql, params = query.query.sql_with_params()
        return next(iter(cls.objects.raw(f"{sql} FOR SHARE", params)), None)


class DailyReport(NeverDeleted):
    """The day's figures as built by the worker (or on demand while the day is open): a snapshot that the
    page, the approval and later the monthly statement read without recomputing."""

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="+", verbose_name=_("hall"))
    day = models.DateField(_("business day"))
    generated_at = models.DateTimeField(_("generated at"))
    data = models.JSONField(_("figures"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("daily revenue report")
        verbose_name_plural = _("daily revenue reports")
        permissions = [("generate_report", _("Can build the daily report on demand"))]
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["hall", "day"], name="daily_report_unique")]


class Deposit(NeverDeleted):
    """The day's cash taken to the bank (spec §4.4)."""

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="+", verbose_name=_("hall"))
    day = models.DateField(_("business day"))
    amount = models.DecimalField(_("amount deposited"), **MONEY)
    bank = models.CharField(_("bank"), max_length=100)
    slip_number = models.CharField(_("deposit slip number"), max_length=50)
    cash_takings = models.DecimalField(_("cash takings of the day"), **MONEY)
    explanation = models.TextField(_("explanation of the difference"), blank=True)
    deposited_at = models.DateTimeField(_("deposited at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bank deposit")
        verbose_name_plural = _("bank deposits")
        constraints = [
            models.UniqueConstraint(fields=["hall", "day"], name="one_deposit_per_day"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="deposit_not_negative"),
        ]


class Reversal(DayGuarded):
    """A correction of a payment on a locked (or any earlier) day: posted on an open day, pointing back to
    the payment, requested by one person and approved by another. The original stays as it was."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="+", verbose_name=_("hall"))
    business_day = models.DateField(_("posted on business day"))
    payment = models.ForeignKey(
        "billing.Payment",
        on_delete=models.PROTECT,
        related_name="reversals",
        verbose_name=_("payment reversed"),
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.CharField(_("reason"), max_length=300)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reversal")
        verbose_name_plural = _("reversals")
        permissions = [
            ("request_reversal", _("Can request the reversal of a payment")),
            ("approve_reversal", _("Can approve reversals requested by others")),
        ]
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="reversal_amount_positive"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="reversal_four_eyes",
            ),
            # One live reversal per payment; a rejected one may be followed by a new request (a new row).
            models.UniqueConstraint(
                fields=["payment"], condition=~Q(state="rejected"), name="one_live_reversal_per_payment"
            ),
        ]
