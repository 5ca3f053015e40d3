"""Payments (spec §4.1): lines from the price list, one or more tenders, a receipt; idempotent."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from billing.models.base import MONEY, DayGuarded
from billing.models.catalog import FeeItem, Tender
from billing.models.tills import Till
from counter.models import Bill, GasAccount, Visit
from servicecenter.models import Hall, Window


class Payment(DayGuarded):
    class Status(models.TextChoices):
        COMPLETED = "completed", pgettext_lazy("payment", "Completed")
        VOID_REQUESTED = "void_requested", _("Void requested")
        VOIDED = "voided", _("Voided")

    class CardWrite(models.TextChoices):
        NOT_NEEDED = "", _("No card to write")
        PENDING = "pending", _("Card write not confirmed")
        CONFIRMED = "confirmed", _("Card written")
        FAILED = "failed", _("Card write failed")

    # Every index is written with every payment: a foreign key gets its own only where a query needs it —
    # hall, till and rep lead the indexes and constraints below; nobody looks payments up by window or by
    # who voided them.
    hall = models.ForeignKey(
        Hall, on_delete=models.PROTECT, related_name="payments", verbose_name=_("hall"), db_index=False
    )
    business_day = models.DateField(_("business day"))
    number = models.CharField(_("payment number"), max_length=30)
    till = models.ForeignKey(
        Till, on_delete=models.PROTECT, related_name="payments", verbose_name=_("till"), db_index=False
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("rep"),
        db_index=False,
    )
    window = models.ForeignKey(
        Window,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("window"),
        db_index=False,
    )
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("visit")
    )
    account = models.ForeignKey(
        GasAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gas account"),
    )
    # The key the payment form (or API client) sent: the same key again returns this payment.
    idempotency_key = models.CharField(_("idempotency key"), max_length=64)
    total = models.DecimalField(_("total"), **MONEY)
    cash_tendered = models.DecimalField(_("cash handed over"), default=0, **MONEY)
    change = models.DecimalField(_("change"), default=0, **MONEY)
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.COMPLETED)
    card_write = models.CharField(
        _("card write"), max_length=10, choices=CardWrite.choices, blank=True, default=CardWrite.NOT_NEEDED
    )
    card_write_note = models.CharField(_("card write note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("taken at"))
    void_reason = models.CharField(_("reason for voiding"), max_length=200, blank=True)
    void_requested_at = models.DateTimeField(_("void requested at"), null=True, blank=True)
    void_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("void requested by"),
        db_index=False,
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("void approved by"),
        db_index=False,
    )
    # History is read by record (its id) and by time: no index on the other columns it copies.
    history = HistoricalRecords(
        no_db_index=["hall", "till", "rep", "window", "visit", "account", "void_requested_by", "voided_by"]
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        permissions = [
            ("take_payment", _("Can take payments into their own till")),
            ("approve_payment_void", _("Can approve the same-day void of a payment")),
        ]
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="payment_number_unique"),
            models.UniqueConstraint(fields=["rep", "idempotency_key"], name="payment_idempotent"),
            models.CheckConstraint(condition=Q(total__gt=0), name="payment_total_positive"),
            models.CheckConstraint(
                condition=Q(change__gte=0) & Q(cash_tendered__gte=0), name="payment_change_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["hall", "business_day", "status"], name="payment_hall_day_idx"),
            models.Index(fields=["till", "status"], name="payment_till_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def counts(self) -> bool:
        """Whether it is takings: a voided payment is not (a requested void still is, until approved)."""
        return self.status != self.Status.VOIDED


class PaymentLine(DayGuarded):
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="lines", verbose_name=_("payment")
    )
    fee_item = models.ForeignKey(
        FeeItem,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("fee item"),
        db_index=False,
    )
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("bill")
    )
    description = models.CharField(_("description"), max_length=100)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    amount = models.DecimalField(_("amount"), **MONEY)
    # History is read by record (its id) and by time: no index on the other columns it copies.
    history = HistoricalRecords(no_db_index=["payment", "fee_item", "bill"])

    DAY_PATH = ("payment__hall_id", "payment__business_day")

    class Meta:
        verbose_name = _("payment line")
        verbose_name_plural = _("payment lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(unit_price__gt=0) & Q(quantity__gt=0),
                name="payment_line_positive",
            ),
        ]

    def guarded_day(self):
        return self.payment.hall_id, self.payment.business_day


class PaymentTender(DayGuarded):
    """How (part of) a payment was paid. For cash, `amount` is what stays in the till (due), the customer
    handed over `Payment.cash_tendered`; QR payments and transfers carry the channel's reference."""

    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        related_name="tenders",
        verbose_name=_("payment"),
        db_index=False,
    )
    tender = models.ForeignKey(
        Tender, on_delete=models.PROTECT, related_name="+", verbose_name=_("tender"), db_index=False
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    reference = models.CharField(_("transaction reference"), max_length=64, blank=True)
    # False once the payment is voided: its channel reference may then be paid into a corrected payment.
    counts = models.BooleanField(_("counts"), default=True)
    # History is read by record (its id) and by time: no index on the other columns it copies.
    history = HistoricalRecords(no_db_index=["payment", "tender"])

    DAY_PATH = ("payment__hall_id", "payment__business_day")

    class Meta:
        verbose_name = _("payment tender")
        verbose_name_plural = _("payment tenders")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_tender_positive"),
            models.UniqueConstraint(fields=["payment", "tender"], name="payment_tender_once"),
            # A channel's transaction is paid into one payment only.
            models.UniqueConstraint(
                fields=["tender", "reference"],
                condition=~Q(reference="") & Q(counts=True),
                name="tender_reference_unique",
            ),
        ]

    def guarded_day(self):
        return self.payment.hall_id, self.payment.business_day
