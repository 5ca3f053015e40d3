"""The customer-facing rating device at each window (客户评价器) and the ratings it records."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from counter.models.business import Visit
from counter.models.complaints import Complaint
from counter.models.queue import Ticket
from servicecenter.models import Hall, Window


class RatingDevice(models.Model):
    """A tablet at a window, signed in with its own token (only the token's hash is kept)."""

    hall = models.ForeignKey(
        Hall, on_delete=models.PROTECT, related_name="rating_devices", verbose_name=_("hall")
    )
    window = models.ForeignKey(
        Window, on_delete=models.PROTECT, related_name="rating_devices", verbose_name=_("window")
    )
    name = models.CharField(_("name"), max_length=50)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("paired at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("paired by")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["last_seen_at"])

    class Meta:
        verbose_name = _("rating device")
        verbose_name_plural = _("rating devices")
        permissions = [("manage_rating_devices", _("Can pair and revoke rating devices"))]
        constraints = [
            models.UniqueConstraint(
                fields=["window"], condition=Q(revoked_at__isnull=True), name="one_active_device_per_window"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Rating(models.Model):
    """The customer's rating of one visit, tied to the ticket, the rep and the window."""

    class Score(models.IntegerChoices):
        VERY_SATISFIED = 4, _("Very satisfied")
        SATISFIED = 3, _("Satisfied")
        NEUTRAL = 2, _("Fair")
        DISSATISFIED = 1, _("Dissatisfied")

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("hall"))
    business_day = models.DateField(_("business day"))
    visit = models.OneToOneField(
        Visit, on_delete=models.PROTECT, related_name="rating", verbose_name=_("visit")
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("ticket")
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("rep")
    )
    window = models.ForeignKey(Window, on_delete=models.PROTECT, related_name="+", verbose_name=_("window"))
    device = models.ForeignKey(
        RatingDevice, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("device")
    )
    score = models.PositiveSmallIntegerField(_("rating"), choices=Score.choices)
    at = models.DateTimeField(_("at"))
    complaint = models.OneToOneField(
        Complaint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rating",
        verbose_name=_("draft complaint"),
    )
    acknowledged_at = models.DateTimeField(_("alert acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-at"]
        indexes = [models.Index(fields=["hall", "business_day"], name="rating_day_idx")]

    def __str__(self) -> str:
        return f"{self.get_score_display()} · {self.window}"
