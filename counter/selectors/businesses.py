"""Businesses as the supervisor and the reps follow them: open work, overdue first."""

from datetime import date

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from counter.models import Business, BusinessType
from counter.validators import mask_id_number, mask_phone
from servicecenter.clock import business_day_bounds
from servicecenter.models import Hall


def active_business_types() -> list[BusinessType]:
    """The business types offered, in their order, with their document checklists."""
    return list(
        BusinessType.objects.filter(is_active=True).prefetch_related("documents").order_by("sort", "code")
    )


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
        .select_related("business_type", "account", "accepted_by", "closed_by")
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


PERSONAL_TYPES = {"id_number": mask_id_number, "phone": mask_phone}


def masked_data(business: Business) -> dict:
    """The business's details with resident ID and phone numbers masked, as every screen shows them."""
    kinds = {spec["name"]: spec.get("type", "line") for spec in business.business_type.fields}
    return {
        name: PERSONAL_TYPES[kinds[name]](value) if kinds.get(name) in PERSONAL_TYPES else value
        for name, value in business.data.items()
    }


def business_details(business: Business) -> list[dict]:
    """The type's fields that have a value: label, value (masked if personal), and whether it is personal."""
    data = masked_data(business)
    return [
        {
            "name": spec["name"],
            "label": spec.get("label") or spec["name"],
            "value": data[spec["name"]],
            "personal": spec.get("type") in PERSONAL_TYPES,
        }
        for spec in business.business_type.fields
        if data.get(spec["name"])
    ]


def businesses_by_type(hall: Hall, *, day: date) -> list[dict]:
    """How many businesses of each type the hall accepted on a business day (one GROUP BY)."""
    start, end = business_day_bounds(hall, day)
    rows = (
        Business.objects.filter(hall=hall, accepted_at__gte=start, accepted_at__lt=end)
        .values("business_type__code", "business_type__name")
        .annotate(count=Count("pk"), completed=Count("pk", filter=Q(status=Business.Status.COMPLETED)))
        .order_by("-count", "business_type__code")
    )
    return [
        {
            "code": r["business_type__code"],
            "name": r["business_type__name"],
            "count": r["count"],
            "completed": r["completed"],
        }
        for r in rows
    ]


def businesses_by_type_between(halls: list[Hall], *, first: date, last: date) -> dict[int, list[dict]]:
    """`businesses_by_type` for each hall over the business days `first` to `last` (one GROUP BY):
    {hall id: [{code, name, count, completed}, …]}."""
    bounds = Q(pk__in=[])
    for hall in halls:  # each hall's days start at its own cut-off, in its own time zone
        start, end = business_day_bounds(hall, first)[0], business_day_bounds(hall, last)[1]
        bounds |= Q(hall=hall, accepted_at__gte=start, accepted_at__lt=end)
    rows = (
        Business.objects.filter(bounds)
        .values("hall_id", "business_type__code", "business_type__name")
        .annotate(count=Count("pk"), completed=Count("pk", filter=Q(status=Business.Status.COMPLETED)))
        .order_by("hall_id", "-count", "business_type__code")
    )
    out: dict[int, list[dict]] = {hall.pk: [] for hall in halls}
    for r in rows:
        out[r["hall_id"]].append(
            {
                "code": r["business_type__code"],
                "name": r["business_type__name"],
                "count": r["count"],
                "completed": r["completed"],
            }
        )
    return out
