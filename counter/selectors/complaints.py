"""Reads of complaints and ratings for the pages, the API and the floor view: scoped, ordered, each in a
fixed number of queries (owners, reps and windows selected with the rows)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, Case, F, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from counter.models import Complaint, ComplaintEvent, Rating, RatingDevice
from servicecenter.models import Hall, User, Window
from servicecenter.roles import ROLE_PERMISSIONS
from servicecenter.scoping import int_or_404

LIST_FILTERS = ("open", "overdue", "mine", "callback", "all")


def _with_overdue(complaints: QuerySet, now: datetime) -> QuerySet:
    return complaints.annotate(
        is_overdue=Case(
            When(Q(status__in=Complaint.OPEN_STATUSES, reply_due__lt=now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def _urgent_first(complaints: QuerySet) -> QuerySet:
    """VIP first (handled first, G 12.7), then overdue, then the earliest reply due."""
    return complaints.order_by("-is_vip", "-is_overdue", F("reply_due").asc(nulls_last=True), "pk")


def _listed(hall: Hall, now: datetime) -> QuerySet:
    return _with_overdue(
        Complaint.objects.filter(hall=hall).select_related("owner", "received_by", "customer", "account"), now
    )


def open_complaints(hall: Hall, *, now: datetime) -> QuerySet[Complaint]:
    """Drafts, open and escalated complaints: VIP first, then overdue, then by reply due; with the owner."""
    return _urgent_first(_listed(hall, now).filter(status__in=Complaint.OPEN_STATUSES))


def overdue_complaints(hall: Hall, *, now: datetime) -> QuerySet[Complaint]:
    """Unresolved complaints whose reply is overdue, VIP first, the longest overdue next."""
    return _urgent_first(_listed(hall, now).filter(status__in=Complaint.OPEN_STATUSES, reply_due__lt=now))


def complaint_list(hall: Hall, *, user: User, which: str, now: datetime) -> QuerySet[Complaint]:
    """The complaint list's filters: open, overdue, mine (not closed), awaiting callback, all."""
    if which == "overdue":
        return overdue_complaints(hall, now=now)
    if which == "mine":
        complaints = _listed(hall, now).filter(owner=user).exclude(status=Complaint.Status.CLOSED)
        return _urgent_first(complaints)
    if which == "callback":
        return _listed(hall, now).filter(status=Complaint.Status.RESOLVED).order_by("resolved_at", "pk")
    if which == "all":
        return _listed(hall, now).order_by("-received_at", "-pk")
    return open_complaints(hall, now=now)


def complaint_for_user(user: User, *, hall: Hall, complaint_id, now: datetime | None = None) -> Complaint:
    """A complaint of `hall` (which the caller has already scoped to the user's halls), else 404."""
    complaints = Complaint.objects.filter(hall=hall, pk=int_or_404(complaint_id)).select_related(
        "hall", "owner", "received_by", "customer", "account", "visit__rep", "visit__window", "visit__ticket"
    )
    if now is not None:
        complaints = _with_overdue(complaints, now)
    complaint = complaints.first()
    if complaint is None:
        raise Http404
    return complaint


@dataclass
class TimelineEntry:
    event: ComplaintEvent
    from_user: User | None  # for a hand-over: who owned it before


_OWNERSHIP = {ComplaintEvent.Kind.RECEIVED, ComplaintEvent.Kind.TAKEN, ComplaintEvent.Kind.HANDED_OVER}


def with_timeline(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Complaints with their events (and the people in them) in one more query, for lists."""
    return complaints.prefetch_related(
        Prefetch("events", queryset=ComplaintEvent.objects.select_related("by", "to_user"))
    )


def timeline(complaint: Complaint) -> list[TimelineEntry]:
    """The complaint's events in order; each hand-over knows whom it was handed from (the previous owner,
    followed through the ownership events: received, taken, handed over)."""
    if "events" in getattr(complaint, "_prefetched_objects_cache", {}):
        events = complaint.events.all()
    else:
        events = complaint.events.select_related("by", "to_user")
    entries, owner = [], None
    for event in events:
        entries.append(TimelineEntry(event, owner if event.kind == ComplaintEvent.Kind.HANDED_OVER else None))
        if event.kind in _OWNERSHIP and event.to_user is not None:
            owner = event.to_user
    return entries


def handler_roles() -> list[str]:
    return [role for role, perms in ROLE_PERMISSIONS.items() if "counter.handle_complaint" in perms]


def complaint_handlers(hall: Hall) -> list[User]:
    """Colleagues who may own a complaint in this hall (the hand-over's choices)."""
    return list(
        User.objects.filter(is_active=True, memberships__hall=hall, memberships__role__in=handler_roles())
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def complaint_rating(complaint: Complaint) -> Rating | None:
    """The rating that opened this complaint, if it came from the rating device."""
    return Rating.objects.filter(complaint=complaint).select_related("rep", "window", "ticket").first()


# --- Ratings ------------------------------------------------------------------------------------------


def _unacknowledged(hall: Hall):
    return Rating.objects.filter(hall=hall, score=Rating.Score.DISSATISFIED, acknowledged_at__isnull=True)


def unacknowledged_alerts_count(hall: Hall) -> int:
    return _unacknowledged(hall).count()


def unacknowledged_alerts(hall: Hall) -> list[Rating]:
    """不满意 ratings nobody has acknowledged yet, oldest first, with the rep, window and draft complaint."""
    return list(
        _unacknowledged(hall).select_related("rep", "window", "complaint", "ticket").order_by("at", "pk")
    )


def ratings_for_hall(hall: Hall) -> QuerySet[Rating]:
    return Rating.objects.filter(hall=hall).select_related("rep", "window", "ticket").order_by("-at", "-pk")


def rating_in_hall(*, hall: Hall, rating_id) -> Rating:
    rating = Rating.objects.filter(hall=hall, pk=int_or_404(rating_id)).first()
    if rating is None:
        raise Http404
    return rating


@dataclass
class WindowDevice:
    window: Window
    device: RatingDevice | None


def window_devices(hall: Hall) -> list[WindowDevice]:
    """Each window of the hall with its active rating device (two queries)."""
    active = {
        d.window_id: d
        for d in RatingDevice.objects.filter(hall=hall, revoked_at__isnull=True).select_related("created_by")
    }
    return [WindowDevice(w, active.get(w.pk)) for w in hall.windows.all()]


def device_in_hall(*, hall: Hall, device_id) -> RatingDevice:
    device = RatingDevice.objects.filter(hall=hall, pk=int_or_404(device_id)).first()
    if device is None:
        raise Http404
    return device
