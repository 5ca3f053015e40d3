"""Receipt stock (spec §4.2): books of numbered receipts, issued to reps, used in order with no gap."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from billing.models.base import DayGuarded, NeverDeleted
from servicecenter.models import Hall


class ReceiptBook(NeverDeleted):
    """A book (or roll) of receipts received from finance: numbers first…last, used strictly in order.

    `next_number` is the first number not yet used; the register — issued, voided, unused — is the whole range
    at any moment, because a number only ever leaves "unused" by becoming a receipt row.
    """

    class Status(models.TextChoices):
        IN_STOCK = "in_stock", _("In stock")
        ISSUED = "issued", _("Issued to a rep")
        USED_UP = "used_up", _("Used up")

    hall = models.ForeignKey(
        Hall,
        on_delete=models.PROTECT,
        related_name="receipt_books",
        verbose_name=_("hall"),
        db_index=False,
    )
    prefix = models.CharField(_("prefix"), max_length=10, blank=True)
    first_number = models.PositiveIntegerField(_("first number"))
    last_number = models.PositiveIntegerField(_("last number"))
    digits = models.PositiveSmallIntegerField(_("digits"), default=8)
    next_number = models.PositiveIntegerField(_("next number"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.IN_STOCK)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipt_books",
        verbose_name=_("held by"),
    )
    received_at = models.DateTimeField(_("received from finance at"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("received by"),
        db_index=False,
    )
    issued_at = models.DateTimeField(pgettext_lazy("receipt book", "issued at"), null=True, blank=True)
    # History is read by record (its id) and by time: no index on the other columns it copies.
    history = HistoricalRecords(no_db_index=["hall", "holder", "received_by"])

    class Meta:
        verbose_name = _("receipt book")
        verbose_name_plural = _("receipt books")
        permissions = [("manage_receipt_stock", _("Can receive, issue and take back receipt books"))]
        ordering = ["prefix", "first_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_number__gte=F("first_number")), name="book_range_ordered"
            ),
            models.CheckConstraint(
                condition=Q(next_number__gte=F("first_number")) & Q(next_number__lte=F("last_number") + 1),
                name="book_next_in_range",
            ),
            models.CheckConstraint(
                condition=Q(status="issued", holder__isnull=False) | ~Q(status="issued"),
                name="issued_book_has_holder",
            ),
        ]
        indexes = [models.Index(fields=["hall", "holder", "status"], name="book_holder_idx")]

    def __str__(self) -> str:
        return f"{self.format(self.first_number)}–{self.format(self.last_number)}"

    def format(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.digits}d}"

    @property
    def next_label(self) -> str:
        """The number the next receipt will carry (— when the book is used up)."""
        return self.format(self.next_number) if self.next_number <= self.last_number else "—"

    @property
    def size(self) -> int:
        return self.last_number - self.first_number + 1

    @property
    def unused(self) -> int:
        return self.last_number - self.next_number + 1


class Receipt(DayGuarded):
    """One number of a book, used: issued for a payment, or voided (spoiled, or its payment voided)."""

    class Status(models.TextChoices):
        ISSUED = "issued", pgettext_lazy("receipt", "Issued")
        VOIDED = "voided", _("Voided")

    hall = models.ForeignKey(
        Hall, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("hall"), db_index=False
    )
    business_day = models.DateField(_("business day"))
    book = models.ForeignKey(
        ReceiptBook,
        on_delete=models.PROTECT,
        related_name="receipts",
        verbose_name=_("receipt book"),
        db_index=False,
    )
    sequence = models.PositiveIntegerField(_("number in book"))
    number = models.CharField(_("receipt number"), max_length=30)
    payment = models.ForeignKey(
        "billing.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipts",
        verbose_name=_("payment"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ISSUED)
    issued_at = models.DateTimeField(pgettext_lazy("receipt", "issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("receipt", "issued by"),
        db_index=False,
    )
    printed_at = models.DateTimeField(_("first printed at"), null=True, blank=True)
    void_reason = models.CharField(_("reason for voiding"), max_length=200, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voided by"),
        db_index=False,
    )
    # History is read by record (its id) and by time: no index on the other columns it copies.
    history = HistoricalRecords(no_db_index=["hall", "book", "payment", "issued_by", "voided_by"])

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["book", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["book", "sequence"], name="receipt_number_once_per_book"),
            models.UniqueConstraint(fields=["hall", "number"], name="receipt_number_unique"),
            # A reissued receipt voids the old one: a payment has one valid receipt at a time.
            models.UniqueConstraint(
                fields=["payment"], condition=Q(status="issued"), name="one_valid_receipt_per_payment"
            ),
            models.CheckConstraint(
                condition=Q(status="issued") | (Q(status="voided") & ~Q(void_reason="")),
                name="voided_receipt_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["hall", "business_day"], name="receipt_hall_day_idx")]

    def __str__(self) -> str:
        return self.number


class ReceiptReprint(NeverDeleted):
    """A receipt printed again: the copy says so, and the register keeps who and why."""

    receipt = models.ForeignKey(
        Receipt, on_delete=models.PROTECT, related_name="reprints", verbose_name=_("receipt")
    )
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("receipt reprint")
        verbose_name_plural = _("receipt reprints")
        ordering = ["at"]
