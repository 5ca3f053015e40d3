"""The monthly statement (月度对账单, spec §4.6): a PDF an auditor asks for, built by the worker while the
progress shows, then kept and handed out only to those allowed to read it."""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from billing.models.base import Build
from servicecenter.models import Hall


def _private():
    return storages["private"]


class Statement(Build):
    """One request for a hall-month's statement and what came of it. Asking again makes a new one (the
    figures may have changed since: a day locked, a reversal posted); the old files stay."""

    class Appendix(models.TextChoices):
        NONE = "", _("No transaction appendix")
        PDF = "pdf", _("Transaction appendix in the PDF")
        XLSX = "xlsx", _("Transaction appendix as an Excel file")

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="+", verbose_name=_("hall"))
    month = models.DateField(_("month"), help_text=_("The month's first day."))
    appendix = models.CharField(_("appendix"), max_length=4, choices=Appendix.choices, blank=True, default="")
    # Business days of the month not locked when it was built (the cover says so).
    open_days = models.JSONField(_("days not locked"), default=list, blank=True)
    payments = models.PositiveIntegerField(_("payments"), default=0)
    net = models.DecimalField(_("net takings"), max_digits=14, decimal_places=2, null=True, blank=True)
    pdf = models.FileField(_("PDF"), storage=_private, upload_to="statements/%Y/%m/", blank=True)
    appendix_file = models.FileField(
        _("appendix file"), storage=_private, upload_to="statements/%Y/%m/", blank=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    history = HistoricalRecords(excluded_fields=["progress", "step"])

    class Meta:
        verbose_name = _("monthly statement")
        verbose_name_plural = _("monthly statements")
        permissions = [("build_statement", _("Can build the monthly statement"))]
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["hall", "month"], name="statement_hall_month")]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="statement_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.hall_id} {self.month:%Y-%m}"
