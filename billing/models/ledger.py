"""The fourth leg (spec §4.3): the billing system's ledger and the channels' settlement files, matched line
by line against the day's payments; what does not match is an exception the auditor resolves or explains."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from billing.models.base import MONEY, DayGuarded, NeverDeleted
from billing.models.catalog import Tender
from servicecenter.models import Hall


class LedgerImport(NeverDeleted):
    class Source(models.TextChoices):
        LEDGER = "ledger", _("Billing system ledger")
        SETTLEMENT = "settlement", _("Channel settlement file")

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="+", verbose_name=_("hall"))
    business_day = models.DateField(_("business day"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    # The channel a settlement file comes from (WeChat Pay, Alipay, the card acquirer).
    tender = models.ForeignKey(
        Tender, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("channel")
    )
    file_name = models.CharField(_("file name"), max_length=200)
    file_sha256 = models.CharField(_("file checksum"), max_length=64)
    encoding = models.CharField(_("encoding"), max_length=20)
    line_count = models.PositiveIntegerField(_("lines"))
    total = models.DecimalField(_("total"), **MONEY)
    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("imported by")
    )

    class Meta:
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")
        permissions = [("reconcile", _("Can import ledgers and settlement files and resolve exceptions"))]
        ordering = ["-imported_at"]
        constraints = [models.UniqueConstraint(fields=["hall", "file_sha256"], name="ledger_file_once")]


class LedgerLine(NeverDeleted):
    """One transaction of an imported file. `reference` is the receipt number (ledger) or the channel's
    transaction reference (settlement files)."""

    source_import = models.ForeignKey(
        LedgerImport, on_delete=models.PROTECT, related_name="lines", verbose_name=_("import")
    )
    line_number = models.PositiveIntegerField(_("line"))
    reference = models.CharField(_("reference"), max_length=64)
    account_number = models.CharField(_("account number"), max_length=20, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    at = models.DateTimeField(_("at"), null=True, blank=True)
    payment = models.ForeignKey(
        "billing.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("matched payment"),
    )

    class Meta:
        verbose_name = _("ledger line")
        verbose_name_plural = _("ledger lines")
        ordering = ["source_import", "line_number"]
        indexes = [models.Index(fields=["reference"], name="ledger_line_reference_idx")]


class Discrepancy(DayGuarded):
    """An exception of the day's reconciliation. The auditor resolves it (corrected elsewhere) or explains
    it; the day cannot be approved while one is open."""

    class Kind(models.TextChoices):
        MISSING_IN_SYSTEM = "missing_in_system", _("In the file, not in the system")
        MISSING_IN_FILE = "missing_in_file", _("In the system, not in the file")
        AMOUNT_MISMATCH = "amount_mismatch", _("Amounts differ")
        CARD_WRITE = "card_write", _("Prepaid card write not confirmed")

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="+", verbose_name=_("hall"))
    business_day = models.DateField(_("business day"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    source_import = models.ForeignKey(
        LedgerImport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="discrepancies",
        verbose_name=_("import"),
    )
    line = models.ForeignKey(
        LedgerLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("file line"),
    )
    payment = models.ForeignKey(
        "billing.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="discrepancies",
        verbose_name=_("payment"),
    )
    system_amount = models.DecimalField(_("system amount"), null=True, blank=True, **MONEY)
    file_amount = models.DecimalField(_("file amount"), null=True, blank=True, **MONEY)
    note = models.TextField(_("resolution or explanation"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reconciliation exception")
        verbose_name_plural = _("reconciliation exceptions")
        ordering = ["business_day", "pk"]
        constraints = [
            # A prepaid top-up's card write is flagged once, however often the report is rebuilt.
            models.UniqueConstraint(
                fields=["payment", "kind"], condition=Q(kind="card_write"), name="card_write_flagged_once"
            ),
        ]
        indexes = [models.Index(fields=["hall", "business_day"], name="discrepancy_hall_day_idx")]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
