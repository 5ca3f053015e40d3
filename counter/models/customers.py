"""Customers, their gas accounts (户号) and the bills the accounts owe (imported from the billing system)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from counter.validators import validate_id_number, validate_phone
from servicecenter.models import Company


class Customer(models.Model):
    """A person (or their representative) who holds gas accounts of a company."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="customers", verbose_name=_("company")
    )
    name = models.CharField(_("name"), max_length=100)
    id_number = models.CharField(
        _("resident ID number"), max_length=18, blank=True, validators=[validate_id_number]
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [("unmask_customer", _("Can show customers' full ID and phone numbers"))]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "id_number"], condition=~Q(id_number=""), name="customer_id_unique"
            )
        ]
        indexes = [
            models.Index(fields=["company", "phone"], name="customer_phone_idx"),
            # Name search is a prefix match; the pattern opclass lets Postgres use the index for it.
            models.Index(
                fields=["company", "name"], name="customer_name_idx", opclasses=["", "varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GasAccount(models.Model):
    """户号: one gas supply point, held by a customer, with its meter type and status."""

    class MeterType(models.TextChoices):
        IC_CARD = "ic_card", _("IC-card prepaid")
        POSTPAID = "postpaid", _("Postpaid")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="gas_accounts", verbose_name=_("company")
    )
    number = models.CharField(_("account number"), max_length=20)
    holder = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("holder")
    )
    address = models.CharField(_("address"), max_length=200)
    meter_type = models.CharField(_("meter type"), max_length=10, choices=MeterType.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("gas account")
        verbose_name_plural = _("gas accounts")
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="account_number_unique"),
            models.CheckConstraint(
                condition=Q(status="active", closed_on__isnull=True) | Q(status="closed"),
                name="account_closed_on_only_when_closed",
            ),
        ]
        indexes = [
            models.Index(
                fields=["company", "number"],
                name="account_number_prefix_idx",
                opclasses=["", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class BillImport(models.Model):
    """One file of bills from the billing system's export; a file is imported once (by its hash)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, verbose_name=_("company"))
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    encoding = models.CharField(_("encoding"), max_length=20)
    rows = models.PositiveIntegerField(_("rows"))
    bills_created = models.PositiveIntegerField(_("bills created"))
    accounts_created = models.PositiveIntegerField(_("accounts created"))
    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, verbose_name=_("imported by")
    )

    class Meta:
        verbose_name = _("bill import")
        verbose_name_plural = _("bill imports")
        ordering = ["-imported_at"]
        permissions = [("import_bills", _("Can import bills from the billing system"))]
        constraints = [models.UniqueConstraint(fields=["company", "sha256"], name="bill_import_once")]

    def __str__(self) -> str:
        return self.file_name


class Bill(models.Model):
    """A bill the account owes, as the billing system issued it; settled at the counter by billing."""

    class Status(models.TextChoices):
        UNPAID = "unpaid", _("Unpaid")
        PAID = "paid", _("Paid")

    account = models.ForeignKey(
        GasAccount, on_delete=models.PROTECT, related_name="bills", verbose_name=_("gas account")
    )
    number = models.CharField(_("bill number"), max_length=40)
    period = models.CharField(_("billing period"), max_length=7, help_text=_("YYYY-MM"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UNPAID)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settled_reference = models.CharField(_("settled by payment"), max_length=40, blank=True)
    source = models.ForeignKey(
        BillImport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bills",
        verbose_name=_("import"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["period", "number"]
        constraints = [
            models.UniqueConstraint(fields=["account", "number"], name="bill_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bill_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="unpaid", settled_at__isnull=True)
                | Q(status="paid", settled_at__isnull=False),
                name="bill_settled_when_paid",
            ),
        ]
        indexes = [models.Index(fields=["account", "status"], name="bill_account_status_idx")]

    def __str__(self) -> str:
        return f"{self.number} ({self.period})"
