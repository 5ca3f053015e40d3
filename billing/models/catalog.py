"""The price list and the tenders: configuration, edited in the admin (spec §4.1)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from billing.models.base import MONEY
from servicecenter.models import Company


class FeeItem(models.Model):
    """A line a payment can carry: gas fee (the account's bills), prepaid gas, installation, a VAS product."""

    class Kind(models.TextChoices):
        BILL = "bill", _("Gas bills")
        PREPAID = "prepaid", _("Prepaid gas (card top-up)")
        INSTALLATION = "installation", _("Installation fee")
        VAS = "vas", _("Value-added product")
        OTHER = "other", _("Other fee")

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="fee_items", verbose_name=_("company")
    )
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    # A fixed price (VAS products, standard fees); blank when the rep enters the amount (top-ups, quotes).
    price = models.DecimalField(_("price"), null=True, blank=True, **MONEY)
    needs_account = models.BooleanField(_("needs a gas account"), default=True)
    is_active = models.BooleanField(_("offered"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fee item")
        verbose_name_plural = _("price list")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="fee_item_code_unique"),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gt=0), name="fee_item_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_vas(self) -> bool:
        return self.kind == self.Kind.VAS


class Tender(models.Model):
    """A way to pay: cash, bank card, WeChat Pay, Alipay, bank transfer."""

    class Kind(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Bank card")
        QR = "qr", _("QR payment")
        TRANSFER = "transfer", _("Bank transfer")

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="tenders", verbose_name=_("company")
    )
    code = models.SlugField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    is_active = models.BooleanField(_("accepted"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        ordering = ["order", "code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="tender_code_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_cash(self) -> bool:
        return self.kind == self.Kind.CASH

    @property
    def needs_reference(self) -> bool:
        """QR payments and transfers carry the channel's transaction reference, matched against its file."""
        return self.kind in (self.Kind.QR, self.Kind.TRANSFER)
