"""Complaints (spec §3.5): first-contact ownership, escalation, resolution, callback, major complaints."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from counter.models.business import Visit
from counter.models.customers import Customer, GasAccount
from servicecenter.models import Hall


class Complaint(models.Model):
    """A complaint case, owned at every moment by one person (首问负责) until it is closed."""

    class Channel(models.TextChoices):
        COUNTER = "counter", _("At the counter")
        PHONE = "phone", _("Phone")
        RATING_DEVICE = "rating_device", _("Rating device")
        MEDIA = "media", _("Media")
        AUTHORITY = "authority", _("Higher authority")
        ONLINE = "online", _("Online")

    class Category(models.TextChoices):
        SERVICE = "service", _("Service attitude")
        BILLING = "billing", _("Bills and charges")
        SUPPLY = "supply", _("Gas supply")
        SAFETY = "safety", _("Safety")
        REPAIR = "repair", _("Repair and installation")
        WAITING = "waiting", _("Waiting time")
        OTHER = "other", _("Other")

    class Cause(models.TextChoices):
        BUSINESS = "business", _("Business problem")
        EMOTIONAL = "emotional", _("Emotional problem")

    class Severity(models.TextChoices):
        LOW = "low", _("Minor")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("Serious")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        ESCALATED = "escalated", _("Escalated")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class Escalation(models.TextChoices):
        NONE = "", _("Not escalated")
        DUTY_MANAGER = "duty_manager", _("Duty manager")
        SUPERVISOR = "supervisor", _("Supervisor")

    class Closing(models.TextChoices):
        THANKS = "thanks", _("Thanked the customer")
        APOLOGY = "apology", _("Apologised to the customer")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASICALLY = "basically", _("Basically satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")
        UNREACHABLE = "unreachable", _("Could not be reached")

    class MajorLevel(models.TextChoices):
        NONE = "", _("Not a major complaint")
        AUTHORITY = "authority", _("Gas authority")
        GROUP = "group", _("Group")
        REGION = "region", _("Region")
        COMPANY = "company", _("Company leadership")

    OPEN_STATUSES = (Status.DRAFT, Status.OPEN, Status.ESCALATED)

    hall = models.ForeignKey(
        Hall, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("hall")
    )
    number = models.CharField(_("number"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    channel = models.CharField(_("channel"), max_length=15, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices, blank=True)
    cause = models.CharField(_("cause"), max_length=10, choices=Cause.choices, blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL
    )
    is_vip = models.BooleanField(_("VIP / major customer"), default=False)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("customer"),
    )
    account = models.ForeignKey(
        GasAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("account"),
    )
    visit = models.ForeignKey(
        Visit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("visit"),
    )
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    description = models.TextField(_("what happened"), blank=True)
    wants = models.TextField(_("what the customer wants"), blank=True)
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_complaints",
        verbose_name=_("owner"),
        help_text=_("Empty only for a draft nobody has taken yet."),
    )
    reply_due = models.DateTimeField(_("reply due"), null=True, blank=True)
    escalated_to = models.CharField(
        _("escalated to"), max_length=15, choices=Escalation.choices, blank=True, default=""
    )
    resolution = models.TextField(_("resolution"), blank=True)
    closing = models.CharField(_("closing words"), max_length=10, choices=Closing.choices, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    callback_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    callback_satisfaction = models.CharField(
        _("satisfaction at callback"), max_length=15, choices=Satisfaction.choices, blank=True
    )
    callback_note = models.TextField(_("callback note"), blank=True)
    major_level = models.CharField(
        _("major complaint: level reached"), max_length=10, choices=MajorLevel.choices, blank=True, default=""
    )
    major_justified = models.BooleanField(_("found justified"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-is_vip", "-received_at"]
        permissions = [("handle_complaint", _("Can receive and handle complaints"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(owner__isnull=False), name="complaint_owned_unless_draft"
            ),
        ]
        indexes = [models.Index(fields=["hall", "status", "reply_due"], name="complaint_open_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_major(self) -> bool:
        return bool(self.major_level)


class ComplaintEvent(models.Model):
    """The complaint's timeline: received, taken, handed over, escalated, resolved, called back …"""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        TAKEN = "taken", _("Taken")
        HANDED_OVER = "handed_over", _("Handed over")
        ESCALATED = "escalated", _("Escalated")
        NOTE = "note", _("Note")
        RESOLVED = "resolved", _("Resolved")
        CALLBACK = "callback", _("Called back")
        MAJOR = "major", _("Marked major")
        CLOSED = "closed", _("Closed")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="events", verbose_name=_("complaint")
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to"),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint} {self.get_kind_display()}"
