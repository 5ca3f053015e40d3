"""The queue: ticket categories, tickets, calls to a window, and the reps' posts at the windows."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from servicecenter.models import Hall, Window


class CounterSettings(models.Model):
    """A hall's settings for the queue and the display (defaults apply while a hall has none)."""

    hall = models.OneToOneField(
        Hall, on_delete=models.CASCADE, related_name="counter_settings", verbose_name=_("hall")
    )
    no_show_after_calls = models.PositiveSmallIntegerField(
        _("no-show after calls"),
        default=3,
        help_text=_("A ticket called this many times without the customer coming may be marked no-show."),
    )
    announce_times = models.PositiveSmallIntegerField(
        _("announce each call"), default=2, help_text=_("How many times the display speaks each call.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("counter settings")
        verbose_name_plural = _("counter settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(no_show_after_calls__gte=1), name="no_show_after_at_least_one"
            ),
            models.CheckConstraint(
                condition=Q(announce_times__gte=1, announce_times__lte=5), name="announce_times_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return str(self.hall)


class TicketCategory(models.Model):
    """A queue of the hall with its ticket prefix: A payments, B applications, C complaints/consultation."""

    hall = models.ForeignKey(
        Hall, on_delete=models.PROTECT, related_name="ticket_categories", verbose_name=_("hall")
    )
    prefix = models.CharField(_("prefix"), max_length=1, help_text=_("One capital letter: A, B, C …"))
    name = models.CharField(_("name"), max_length=50)
    description = models.CharField(_("description"), max_length=200, blank=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        ordering = ["hall", "sort", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "prefix"], name="ticket_prefix_unique_in_hall"),
            models.CheckConstraint(condition=Q(prefix__regex=r"^[A-Z]$"), name="ticket_prefix_one_capital"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} · {self.name}"


class Ticket(models.Model):
    """A numbered queue ticket (A001) of a business day, from issue to the end of its service."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        SERVING = "serving", _("Being served")
        DONE = "done", _("Served")
        NO_SHOW = "no_show", _("No-show")

    # Called to a window, or being served there.
    AT_WINDOW_STATUSES = (Status.CALLED, Status.SERVING)

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("hall"))
    business_day = models.DateField(_("business day"))
    category = models.ForeignKey(
        TicketCategory, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("category")
    )
    number = models.PositiveIntegerField(_("number"))
    code = models.CharField(_("ticket"), max_length=8)
    priority = models.BooleanField(_("priority (VIP)"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
        help_text=_("Empty when the customer took it at the kiosk."),
    )
    waiting_ahead = models.PositiveIntegerField(_("waiting ahead when issued"), default=0)
    # Where a transferred ticket must be served; empty means any window.
    target_window = models.ForeignKey(
        Window,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for window"),
    )
    window = models.ForeignKey(
        Window,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("window"),
    )
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="served_tickets",
        verbose_name=_("served by"),
    )
    call_count = models.PositiveSmallIntegerField(_("calls"), default=0)
    first_called_at = models.DateTimeField(_("first called at"), null=True, blank=True)
    last_called_at = models.DateTimeField(_("last called at"), null=True, blank=True)
    service_started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-priority", "issued_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["hall", "business_day", "code"], name="ticket_code_unique_per_day"
            ),
        ]
        indexes = [
            models.Index(
                fields=["hall", "business_day", "status", "-priority", "issued_at"], name="ticket_queue_idx"
            ),
            models.Index(fields=["window", "status"], name="ticket_window_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def waited_seconds(self) -> int | None:
        if self.first_called_at is None:
            return None
        return int((self.first_called_at - self.issued_at).total_seconds())

    @property
    def served_seconds(self) -> int | None:
        if self.service_started_at is None or self.finished_at is None:
            return None
        return int((self.finished_at - self.service_started_at).total_seconds())


class Call(models.Model):
    """One call of a ticket to a window: what the hall display shows and announces."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        RECALL = "recall", _("Recall")

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="calls", verbose_name=_("hall"))
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="calls", verbose_name=_("ticket")
    )
    window = models.ForeignKey(Window, on_delete=models.PROTECT, related_name="+", verbose_name=_("window"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["hall", "-id"], name="call_hall_recent_idx")]

    def __str__(self) -> str:
        return f"{self.ticket} → {self.window}"


class WindowPostQuerySet(models.QuerySet):
    def active(self):
        """Posts not ended (open or paused) — the condition of the one-post-per-window/rep indexes."""
        return self.exclude(status=WindowPost.Status.ENDED)


class WindowPost(models.Model):
    """A rep signed on at a window: open (calling), paused, or ended. One open post per window and per rep."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAUSED = "paused", _("Paused")
        ENDED = "ended", _("Ended")

    hall = models.ForeignKey(
        Hall, on_delete=models.PROTECT, related_name="window_posts", verbose_name=_("hall")
    )
    window = models.ForeignKey(
        Window, on_delete=models.PROTECT, related_name="posts", verbose_name=_("window")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="window_posts", verbose_name=_("rep")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    categories = models.ManyToManyField(
        TicketCategory,
        blank=True,
        related_name="+",
        verbose_name=_("categories called"),
        help_text=_("Empty means every category of the hall."),
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    history = HistoricalRecords()

    objects = WindowPostQuerySet.as_manager()

    class Meta:
        verbose_name = _("window post")
        verbose_name_plural = _("window posts")
        permissions = [
            ("serve_window", _("Can serve customers at a window")),
            ("view_floor", _("Can watch the floor: windows, queues, alerts")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["window"], condition=~Q(status="ended"), name="one_open_post_per_window"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=~Q(status="ended"), name="one_open_post_per_rep"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.window}"


class HallScreen(models.Model):
    """An unattended screen of the hall — the call display (大屏) or the ticket kiosk — signed in with its own
    token instead of a staff login (only the token's hash is kept)."""

    class Kind(models.TextChoices):
        DISPLAY = "display", _("Call display")
        KIOSK = "kiosk", _("Ticket kiosk")

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="screens", verbose_name=_("hall"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("paired at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("paired by")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["last_seen_at"])

    class Meta:
        verbose_name = _("hall screen")
        verbose_name_plural = _("hall screens")
        permissions = [("manage_screens", _("Can pair and revoke the hall's display and kiosk screens"))]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
