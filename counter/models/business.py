"""Visits at a window and the businesses recorded in them; business types are configuration (admin)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from counter.models.customers import Customer, GasAccount
from counter.models.queue import Ticket
from servicecenter.models import Hall, Window


class Workflow(models.TextChoices):
    """What the system does with a business of a type: the ten kinds of spec §3.2."""

    PAYMENT = "payment", _("Bill payment / prepaid top-up")
    CONSULTATION = "consultation", _("Consultation")
    NEW_CONNECTION = "new_connection", _("New connection")
    TRANSFER = "transfer", _("Ownership transfer")
    CLOSURE = "closure", _("Account closure")
    REPAIR = "repair", _("Repair request")
    VAS_SALE = "vas_sale", _("Value-added sale")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    DETAILS_CHANGE = "details_change", _("Details change")


# Recorded by billing's own screens (payments and their receipts), not as a counter business.
BILLING_WORKFLOWS = frozenset({Workflow.PAYMENT, Workflow.VAS_SALE})
# What a closed account may still come for.
CLOSED_ACCOUNT_WORKFLOWS = frozenset({Workflow.CONSULTATION, Workflow.COMPLAINT, Workflow.SUGGESTION})
# Workflows that need no account at all.
NO_ACCOUNT_WORKFLOWS = frozenset(
    {Workflow.NEW_CONNECTION, Workflow.CONSULTATION, Workflow.COMPLAINT, Workflow.SUGGESTION}
)


class BusinessType(models.Model):
    """业务类型: a kind of business the halls accept, with its documents, fields and promised reply time."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    workflow = models.CharField(_("workflow"), max_length=20, choices=Workflow.choices)
    fields = models.JSONField(
        _("fields"),
        default=list,
        blank=True,
        help_text=_(
            'The fields it needs, in order: [{"name": "fault", "label": "故障描述", "type": "text", '
            '"required": true}]; types: text, line, date, phone, id_number.'
        ),
    )
    reply_days = models.PositiveSmallIntegerField(
        _("promised reply (days)"),
        null=True,
        blank=True,
        help_text=_("Work not finished on the spot is due this many days after acceptance."),
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("business type")
        verbose_name_plural = _("business types")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_account(self) -> bool:
        return self.workflow not in NO_ACCOUNT_WORKFLOWS


class RequiredDocument(models.Model):
    """A document (手续) the customer must bring for a business type."""

    business_type = models.ForeignKey(
        BusinessType, on_delete=models.CASCADE, related_name="documents", verbose_name=_("business type")
    )
    name = models.CharField(_("document"), max_length=100)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["business_type", "sort", "pk"]

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    """A customer at a window: from the call to the farewell, walked through the six steps of article 9."""

    class Step(models.TextChoices):
        GREET = "greet", _("Greet")
        INTENT = "intent", _("Ask the intent")
        OPERATE = "operate", _("Carry out the business")
        PAYMENT = "payment", _("Announce amounts (唱收唱付)")
        VAS = "vas", _("Suggest value-added services")
        FAREWELL = "farewell", _("Farewell and rating")

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="visits", verbose_name=_("hall"))
    business_day = models.DateField(_("business day"))
    # A ticket transferred to another window has a visit at each.
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("ticket"),
    )
    window = models.ForeignKey(
        Window, on_delete=models.PROTECT, related_name="visits", verbose_name=_("window")
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits", verbose_name=_("rep")
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("customer"),
    )
    account = models.ForeignKey(
        GasAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("account"),
    )
    step = models.CharField(_("step"), max_length=10, choices=Step.choices, default=Step.GREET)
    intent = models.CharField(_("customer's intent"), max_length=200, blank=True)
    vas_offered = models.BooleanField(_("value-added services suggested"), default=False)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    rating_requested_at = models.DateTimeField(_("rating requested at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["window"], condition=Q(ended_at__isnull=True), name="one_open_visit_per_window"
            ),
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(ended_at__isnull=True), name="one_open_visit_per_ticket"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-started_at"], name="visit_account_idx"),
            models.Index(fields=["hall", "business_day"], name="visit_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket or '—'} @ {self.window}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class Business(models.Model):
    """业务受理单: one business accepted in a visit, followed through its workflow to an outcome."""

    class Status(models.TextChoices):
        INCOMPLETE = "incomplete", _("Documents incomplete")
        ACCEPTED = "accepted", _("Accepted")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Rejected")

    OPEN_STATUSES = (Status.INCOMPLETE, Status.ACCEPTED, Status.IN_PROGRESS)

    hall = models.ForeignKey(
        Hall, on_delete=models.PROTECT, related_name="businesses", verbose_name=_("hall")
    )
    number = models.CharField(_("number"), max_length=20, unique=True)
    visit = models.ForeignKey(
        Visit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="businesses",
        verbose_name=_("visit"),
    )
    business_type = models.ForeignKey(
        BusinessType, on_delete=models.PROTECT, related_name="businesses", verbose_name=_("business type")
    )
    account = models.ForeignKey(
        GasAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="businesses",
        verbose_name=_("account"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="businesses",
        verbose_name=_("customer"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    data = models.JSONField(_("details"), default=dict, blank=True)
    documents_seen = models.ManyToManyField(
        RequiredDocument, blank=True, related_name="+", verbose_name=_("documents seen")
    )
    missing_documents = models.TextField(_("what the customer was told to bring"), blank=True)
    reference = models.CharField(
        _("reference"), max_length=50, blank=True, help_text=_("Field-service work order, contract number …")
    )
    reply_due = models.DateField(_("reply due"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    accepted_at = models.DateTimeField(_("accepted at"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("accepted by")
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        ordering = ["-accepted_at"]
        permissions = [
            ("handle_business", _("Can accept and follow up counter businesses")),
            ("supervise_business", _("Can see every open business and complaint of the hall, overdue first")),
        ]
        indexes = [
            models.Index(fields=["hall", "status", "reply_due"], name="business_open_idx"),
            models.Index(fields=["account", "status"], name="business_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.business_type}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class BusinessEvent(models.Model):
    """A business's timeline: accepted, documents supplied, passed on, followed up, completed, rejected."""

    class Kind(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        DOCUMENTS = "documents", _("Documents supplied")
        STARTED = "started", _("Passed on / started")
        FOLLOW_UP = "follow_up", _("Follow-up")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Rejected")

    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="events", verbose_name=_("business")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("business event")
        verbose_name_plural = _("business events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.business} {self.get_kind_display()}"
