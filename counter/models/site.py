"""Site management (spec §6): opening/closing checklists per business day, and incidents (article 17)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from servicecenter.models import Hall


class ChecklistItem(models.Model):
    """One point of a hall's opening or closing checklist (configuration)."""

    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening")
        CLOSING = "closing", _("Closing")

    class Section(models.TextChoices):
        ENVIRONMENT = "environment", _("Environment and facilities")
        HYGIENE = "hygiene", _("Hygiene")
        NOTICES = "notices", _("Signage and public notices")
        EQUIPMENT = "equipment", _("Equipment")
        FIRE_SAFETY = "fire_safety", _("Fire safety")

    hall = models.ForeignKey(
        Hall, on_delete=models.CASCADE, related_name="checklist_items", verbose_name=_("hall")
    )
    kind = models.CharField(_("checklist"), max_length=10, choices=Kind.choices)
    section = models.CharField(_("section"), max_length=15, choices=Section.choices)
    text = models.CharField(_("point"), max_length=200)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("checklist point")
        verbose_name_plural = _("checklist points")
        ordering = ["hall", "kind", "sort", "pk"]

    def __str__(self) -> str:
        return self.text


class ChecklistRun(models.Model):
    """A checklist completed by the duty manager for one business day: each point checked or noted."""

    hall = models.ForeignKey(
        Hall, on_delete=models.PROTECT, related_name="checklist_runs", verbose_name=_("hall")
    )
    business_day = models.DateField(_("business day"))
    kind = models.CharField(_("checklist"), max_length=10, choices=ChecklistItem.Kind.choices)
    completed_at = models.DateTimeField(_("completed at"))
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("completed by")
    )
    remarks = models.TextField(_("remarks"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("completed checklist")
        verbose_name_plural = _("completed checklists")
        ordering = ["-business_day", "kind"]
        permissions = [("manage_site", _("Can complete checklists and handle incidents"))]
        constraints = [
            models.UniqueConstraint(fields=["hall", "business_day", "kind"], name="one_checklist_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.business_day} {self.get_kind_display()}"


class ChecklistAnswer(models.Model):
    """One point of a completed checklist, with the wording it had that day."""

    run = models.ForeignKey(
        ChecklistRun, on_delete=models.CASCADE, related_name="answers", verbose_name=_("checklist")
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("point")
    )
    section = models.CharField(_("section"), max_length=15, choices=ChecklistItem.Section.choices)
    text = models.CharField(_("point"), max_length=200)
    ok = models.BooleanField(_("in order"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        ordering = ["run", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "item"], name="one_answer_per_point"),
            models.CheckConstraint(condition=Q(ok=True) | ~Q(note=""), name="answer_not_ok_needs_note"),
        ]

    def __str__(self) -> str:
        return self.text


class IncidentKind(models.TextChoices):
    """The six incidents of article 17."""

    POWER_OUTAGE = "power_outage", _("Power outage")
    CUSTOMER_ILL = "customer_ill", _("Customer taken ill")
    UNCIVIL_CUSTOMER = "uncivil_customer", _("Uncivil customer")
    MEDIA_INTERVIEW = "media_interview", _("Media interview")
    FILMING = "filming", _("Customer photographing or filming")
    COUNTERFEIT_NOTE = "counterfeit_note", _("Counterfeit note")


class IncidentStepTemplate(models.Model):
    """A step of the handling checklist of one kind of incident (configuration, per hall)."""

    hall = models.ForeignKey(
        Hall, on_delete=models.CASCADE, related_name="incident_steps", verbose_name=_("hall")
    )
    kind = models.CharField(_("incident"), max_length=20, choices=IncidentKind.choices)
    text = models.CharField(_("step"), max_length=200)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("incident handling step")
        verbose_name_plural = _("incident handling steps")
        ordering = ["hall", "kind", "sort", "pk"]

    def __str__(self) -> str:
        return self.text


class Incident(models.Model):
    """突发情况: what happened, who was involved, what was done (its handling checklist) and the outcome."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("hall"))
    business_day = models.DateField(_("business day"))
    kind = models.CharField(_("incident"), max_length=20, choices=IncidentKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    occurred_at = models.DateTimeField(_("occurred at"))
    reported_at = models.DateTimeField(_("reported at"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reported by")
    )
    staff_involved = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("staff involved")
    )
    people = models.CharField(_("others involved"), max_length=200, blank=True)
    description = models.TextField(_("what happened"))
    actions = models.TextField(_("actions taken"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    note_denomination = models.DecimalField(
        _("note denomination"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    note_serial = models.CharField(_("note serial number"), max_length=20, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at"]
        permissions = [("report_incident", _("Can report incidents"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="counterfeit_note")
                | (Q(note_denomination__isnull=False) & ~Q(note_serial="")),
                name="counterfeit_note_has_denomination_and_serial",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(outcome=""), name="closed_incident_has_outcome"
            ),
        ]
        indexes = [models.Index(fields=["hall", "status"], name="incident_open_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class IncidentStep(models.Model):
    """One step of an incident's handling checklist, ticked off by whoever did it."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="steps", verbose_name=_("incident")
    )
    text = models.CharField(_("step"), max_length=200)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("incident step")
        verbose_name_plural = _("incident steps")
        ordering = ["incident", "sort", "pk"]

    def __str__(self) -> str:
        return self.text
