"""The queue as people see it: waiting per queue, who is called where, the display's call feed."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.shortcuts import get_object_or_404

from counter.models import Call, CounterSettings, Ticket, TicketCategory, Visit, WindowPost
from servicecenter.models import Hall, User, Window
from servicecenter.scoping import int_or_404


@dataclass
class QueueLine:
    category: TicketCategory
    waiting: int
    priority_waiting: int
    longest_wait_seconds: int | None


def counter_settings(hall: Hall) -> CounterSettings:
    """The hall's queue settings, or the defaults (unsaved) while it has none."""
    try:
        return hall.counter_settings
    except CounterSettings.DoesNotExist:
        return CounterSettings(hall=hall)


def current_post(*, user: User, hall: Hall, lock: bool = False) -> WindowPost | None:
    """The rep's post (open or paused) in this hall, with its window."""
    posts = WindowPost.objects.filter(user=user, hall=hall).active()
    if lock:
        posts = posts.select_for_update(of=("self",))
    return posts.select_related("window").first()


def window_in_hall(hall: Hall, value) -> Window | None:
    """The hall's window with this id; None when no id is given; 404 for anything else."""
    if value is None or value == "":
        return None
    return get_object_or_404(Window, pk=int_or_404(value), hall=hall)


def category_in_hall(hall: Hall, value) -> TicketCategory | None:
    """The hall's ticket category with this id; None when no id is given; 404 for anything else."""
    if value is None or value == "":
        return None
    return get_object_or_404(TicketCategory, pk=int_or_404(value), hall=hall)


def ticket_at_window(window: Window) -> Ticket | None:
    """The ticket called to the window or being served there."""
    return (
        Ticket.objects.filter(window=window, status__in=Ticket.AT_WINDOW_STATUSES)
        .select_related("category")
        .first()
    )


def open_visit_at(window: Window) -> Visit | None:
    """The visit going on at the window, with its account's holder and its ticket."""
    return (
        Visit.objects.filter(window=window, ended_at__isnull=True)
        .select_related("account__holder", "ticket__category")
        .first()
    )


def queue_summary(hall: Hall, *, day: date, now: datetime) -> list[QueueLine]:
    """Each open queue of the hall: how many wait, and the longest wait so far — one grouped query."""
    categories = list(TicketCategory.objects.filter(hall=hall, is_active=True).order_by("sort", "prefix"))
    waiting = Q(tickets__business_day=day, tickets__status=Ticket.Status.WAITING)
    stats = (
        TicketCategory.objects.filter(pk__in=[c.pk for c in categories])
        .annotate(
            waiting=Count("tickets", filter=waiting),
            priority_waiting=Count("tickets", filter=waiting & Q(tickets__priority=True)),
            oldest=Min("tickets__issued_at", filter=waiting),
        )
        .values("pk", "waiting", "priority_waiting", "oldest")
    )
    by_pk = {row["pk"]: row for row in stats}
    lines = []
    for c in categories:
        row = by_pk.get(c.pk, {})
        oldest = row.get("oldest")
        lines.append(
            QueueLine(
                category=c,
                waiting=row.get("waiting", 0),
                priority_waiting=row.get("priority_waiting", 0),
                longest_wait_seconds=max(0, int((now - oldest).total_seconds())) if oldest else None,
            )
        )
    return lines


def now_serving(hall: Hall, *, day: date) -> list[Ticket]:
    """Tickets called or being served right now, the latest call first."""
    return list(
        Ticket.objects.filter(hall=hall, business_day=day, status__in=Ticket.AT_WINDOW_STATUSES)
        .select_related("window", "category", "served_by")
        .order_by("-last_called_at")
    )


def calls_after(hall: Hall, *, after_id: int, day: date, limit: int = 20) -> list[Call]:
    """Calls made since the display last looked (oldest first, so that they are announced in order)."""
    return list(
        Call.objects.filter(hall=hall, pk__gt=after_id, ticket__business_day=day)
        .select_related("ticket", "window")
        .order_by("pk")[:limit]
    )


def last_call_id(hall: Hall) -> int:
    last = Call.objects.filter(hall=hall).order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def tickets_today(hall: Hall, *, day: date, status: str | None = None, limit: int = 30) -> list[Ticket]:
    """The day's tickets, the latest first (only those in `status`, if given)."""
    tickets = Ticket.objects.filter(hall=hall, business_day=day)
    if status:
        tickets = tickets.filter(status=status)
    return list(tickets.select_related("category", "window").order_by("-issued_at", "-pk")[:limit])


def served_today(hall: Hall, *, day: date) -> dict:
    """Tickets served and no-shows today, with average waiting and service times (seconds)."""
    wait = ExpressionWrapper(F("first_called_at") - F("issued_at"), output_field=DurationField())
    service = ExpressionWrapper(F("finished_at") - F("service_started_at"), output_field=DurationField())
    row = Ticket.objects.filter(hall=hall, business_day=day).aggregate(
        issued=Count("pk"),
        served=Count("pk", filter=Q(status=Ticket.Status.DONE)),
        no_show=Count("pk", filter=Q(status=Ticket.Status.NO_SHOW)),
        avg_wait=Avg(wait, filter=Q(first_called_at__isnull=False)),
        avg_service=Avg(service, filter=Q(status=Ticket.Status.DONE)),
    )
    for key in ("avg_wait", "avg_service"):
        row[key] = int(row[key].total_seconds()) if row[key] is not None else None
    return row


def served_by_day(halls: list[Hall], *, first: date, last: date) -> dict[tuple[int, date], dict]:
    """`served_today`'s figures for every hall and business day from `first` to `last` (one GROUP BY):
    {(hall id, day): {issued, served, no_show, wait_seconds, service_seconds}} — the waiting and service times
    as sums over the tickets that have them (with their counts), so that periods add up exactly."""
    wait = ExpressionWrapper(F("first_called_at") - F("issued_at"), output_field=DurationField())
    service = ExpressionWrapper(F("finished_at") - F("service_started_at"), output_field=DurationField())
    rows = (
        Ticket.objects.filter(hall__in=halls, business_day__gte=first, business_day__lte=last)
        .values("hall_id", "business_day")
        .annotate(
            issued=Count("pk"),
            served=Count("pk", filter=Q(status=Ticket.Status.DONE)),
            no_show=Count("pk", filter=Q(status=Ticket.Status.NO_SHOW)),
            called=Count("pk", filter=Q(first_called_at__isnull=False)),
            wait=Sum(wait, filter=Q(first_called_at__isnull=False)),
            service=Sum(service, filter=Q(status=Ticket.Status.DONE)),
        )
        .order_by()
    )
    out = {}
    for r in rows:
        out[(r["hall_id"], r["business_day"])] = {
            "issued": r["issued"],
            "served": r["served"],
            "no_show": r["no_show"],
            "called": r["called"],
            "wait_seconds": int(r["wait"].total_seconds()) if r["wait"] is not None else 0,
            "service_seconds": int(r["service"].total_seconds()) if r["service"] is not None else 0,
        }
    return out
