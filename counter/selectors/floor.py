"""The duty manager's floor: every window and who is at it, the queues, today's figures, open complaints
and incidents, and the alerts waiting for them — a fixed number of queries, however busy the hall."""

from dataclasses import dataclass
from datetime import date, datetime

from counter.models import Ticket, Visit, WindowPost
from counter.selectors import businesses as business_selectors
from counter.selectors import complaints as complaint_selectors
from counter.selectors import queue as queue_selectors
from counter.selectors import site as site_selectors
from servicecenter.models import Hall, Window


@dataclass
class WindowState:
    window: Window
    post: WindowPost | None
    ticket: Ticket | None
    visit: Visit | None


def window_states(hall: Hall, *, day: date) -> list[WindowState]:
    windows = list(hall.windows.filter(is_active=True).order_by("number"))
    posts = {p.window_id: p for p in WindowPost.objects.filter(hall=hall).active().select_related("user")}
    tickets = {
        t.window_id: t
        for t in Ticket.objects.filter(
            hall=hall, business_day=day, status__in=Ticket.AT_WINDOW_STATUSES
        ).select_related("category")
    }
    visits = {v.window_id: v for v in Visit.objects.filter(hall=hall, ended_at__isnull=True)}
    return [WindowState(w, posts.get(w.pk), tickets.get(w.pk), visits.get(w.pk)) for w in windows]


def floor(hall: Hall, *, now: datetime, day: date) -> dict:
    return {
        "windows": window_states(hall, day=day),
        "lines": queue_selectors.queue_summary(hall, day=day, now=now),
        "served": queue_selectors.served_today(hall, day=day),
        "complaints": list(complaint_selectors.open_complaints(hall, now=now)[:10]),
        "overdue_complaints": complaint_selectors.overdue_complaints(hall, now=now).count(),
        "alerts": complaint_selectors.unacknowledged_alerts(hall),
        "incidents": site_selectors.open_incidents(hall),
        "checklists": site_selectors.checklist_status(hall, day),
        "overdue_businesses": business_selectors.overdue_businesses(hall, today=day).count(),
        "now": now,
    }
