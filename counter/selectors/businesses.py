"""Businesses as the supervisor and the reps follow them: open work, overdue first."""

from datetime import date

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from counter.models import Business
from servicecenter.models import Hall


def open_businesses(hall: Hall, *, today: date) -> QuerySet[Business]:
    """Open businesses of the hall: overdue first (oldest due first), then by due date, then the rest."""
    overdue = Q(reply_due__lt=today)
    return (
        Business.objects.filter(hall=hall, status__in=Business.OPEN_STATUSES)
        .annotate(overdue=Case(When(overdue, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .select_related("business_type", "account", "accepted_by")
        .order_by("-overdue", "reply_due", "accepted_at", "pk")
    )


def overdue_businesses(hall: Hall, *, today: date) -> QuerySet[Business]:
    return open_businesses(hall, today=today).filter(reply_due__lt=today)


def recent_closed(hall: Hall, *, limit: int = 30) -> list[Business]:
    return list(
        Business.objects.filter(hall=hall)
        .exclude(status__in=Business.OPEN_STATUSES)
        .select_related("business_type", "account", "closed_by")
        .order_by("-closed_at")[:limit]
    )


def get_business(hall: Hall, business_id) -> Business:
    try:
        return (
            Business.objects.select_related(
                "business_type",
                "account__holder",
                "customer",
                "visit__window",
                "accepted_by",
                "closed_by",
                "hall",
            )
            .prefetch_related("documents_seen", "business_type__documents")
            .get(pk=int(business_id), hall=hall)
        )
    except (Business.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
