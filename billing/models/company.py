"""A company's weekly or monthly revenue report (spec §1: the manager sees every hall of the company): the
period report of all its halls side by side, built by the worker — at a million payments a month the
aggregation takes seconds, too long for a page — and kept as a snapshot the pages, exports and API read."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from billing.models.base import Build
from servicecenter.models import Company


class CompanyReport(Build):
    """One build of a company's period report. Its figures never change once built: building again (the
    period's days were still open, or a reversal came since) makes a new one, and the newest is shown."""

    class Kind(models.TextChoices):
        WEEK = "week", _("Week")
        MONTH = "month", _("Month")

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    kind = models.CharField(_("period"), max_length=5, choices=Kind.choices)
    first = models.DateField(_("first day"), help_text=_("The period's first day."))
    # The period had ended and every day of every hall was locked when it was built: it is the last word.
    final = models.BooleanField(_("final"), default=False)
    payments = models.PositiveIntegerField(_("payments"), default=0)
    net = models.DecimalField(_("net takings"), max_digits=14, decimal_places=2, null=True, blank=True)
    data = models.JSONField(_("figures"), null=True, blank=True)
    # Nobody: the nightly build of the periods the day that ended belongs to.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("requested by"),
    )
    # The figures are written once, when it is done; the history keeps who asked and how it went.
    history = HistoricalRecords(excluded_fields=["progress", "step", "data"])

    class Meta:
        verbose_name = _("company revenue report")
        verbose_name_plural = _("company revenue reports")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["company", "kind", "first"], name="company_report_period")]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="company_report_progress"),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.kind} {self.first}"
