"""The till (cash session, spec §4.3): a rep's float and takings for a shift, counted and handed in."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from billing.models.base import MONEY, DayGuarded
from billing.models.catalog import Tender
from servicecenter.models import Hall, Window


class Till(DayGuarded):
    """issued (the auditor hands over the float) → open (the rep counted it) → closed (counted) → handed in
    → verified by an auditor, who may send it back to closed for a recount."""

    class State(models.TextChoices):
        ISSUED = "issued", _("Float issued")
        OPEN = "open", pgettext_lazy("till", "Open")
        CLOSED = "closed", _("Counted")
        HANDED_IN = "handed_in", _("Handed in")
        VERIFIED = "verified", _("Verified")
        CANCELLED = "cancelled", _("Float cancelled")

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="tills", verbose_name=_("hall"))
    business_day = models.DateField(_("business day"))
    number = models.CharField(_("till number"), max_length=30)
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tills", verbose_name=_("rep")
    )
    window = models.ForeignKey(
        Window, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("window")
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ISSUED)
    # How many payments it has taken: the next one's number (kept by the payment under the till's lock, so
    # numbering does not count the till's payments each time). A counter, not history.
    payments_taken = models.PositiveIntegerField(_("payments taken"), default=0, editable=False)
    opening_float = models.DecimalField(_("opening float"), **MONEY)
    float_issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("float issued by"),
    )
    float_issued_at = models.DateTimeField(_("float issued at"))
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("counted at"), null=True, blank=True)
    # Cash counted by denomination: {"100.00": 3, "0.10": 4}; the total is kept beside it.
    denominations = models.JSONField(_("cash by denomination"), default=dict, blank=True)
    counted_cash = models.DecimalField(_("cash counted"), null=True, blank=True, **MONEY)
    explanation = models.TextField(_("explanation of the difference"), blank=True)
    handed_in_at = models.DateTimeField(_("handed in at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    sent_back_reason = models.CharField(_("sent back because"), max_length=200, blank=True)
    cancel_reason = models.CharField(_("float cancelled because"), max_length=200, blank=True)
    history = HistoricalRecords(excluded_fields=["payments_taken"])

    class Meta:
        verbose_name = _("till")
        verbose_name_plural = _("tills")
        permissions = [
            ("issue_float", _("Can issue opening floats (open tills for reps)")),
            ("verify_till", _("Can verify handed-in tills")),
        ]
        ordering = ["-business_day", "number"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="till_number_unique"),
            # One till in use per rep and hall: payments go only into "the" rep's open till.
            models.UniqueConstraint(
                fields=["hall", "rep"],
                condition=Q(state__in=["issued", "open"]),
                name="one_live_till_per_rep",
            ),
            models.CheckConstraint(condition=Q(opening_float__gte=0), name="till_float_not_negative"),
            models.CheckConstraint(
                condition=Q(counted_cash__isnull=True) | Q(counted_cash__gte=0),
                name="till_counted_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["hall", "business_day"], name="till_hall_day_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def accepts_payments(self) -> bool:
        return self.state == self.State.OPEN


class TillTender(DayGuarded):
    """A till's three legs for one tender, as counted at close: what the system expects, what the receipts
    say, and the money (cash counted less the float, or the terminal's / channel's settlement total)."""

    till = models.ForeignKey(Till, on_delete=models.PROTECT, related_name="tenders", verbose_name=_("till"))
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="+", verbose_name=_("tender"))
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="+", verbose_name=_("hall"))
    business_day = models.DateField(_("business day"))
    system = models.DecimalField(_("system"), **MONEY)
    receipts = models.DecimalField(_("receipts"), **MONEY)
    counted = models.DecimalField(_("money"), **MONEY)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("till tender count")
        verbose_name_plural = _("till tender counts")
        ordering = ["tender__order"]
        constraints = [models.UniqueConstraint(fields=["till", "tender"], name="till_tender_unique")]

    @property
    def difference(self):
        """Over (长款) when positive, short (短款) when negative."""
        return self.counted - self.system
