"""The business-day clock: the one place that knows the cut-off rule (spec §2).

The evening shift runs past midnight, so a hall's business day ends at its cut-off time (default 04:00),
not at 00:00: anything done before the cut-off belongs to the previous business day. Every function takes
the moment as a parameter; callers pass `timezone.now()`.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone


def hall_zone(hall) -> ZoneInfo:
    return ZoneInfo(hall.time_zone)


def business_day(hall, at: datetime) -> date:
    """The business day of `hall` that the aware moment `at` belongs to."""
    if timezone.is_naive(at):
        raise ValueError("business_day needs an aware datetime")
    local = at.astimezone(hall_zone(hall))
    day = local.date()
    if local.time() < hall.cutoff:
        day -= timedelta(days=1)
    return day


def business_day_bounds(hall, day: date) -> tuple[datetime, datetime]:
    """The half-open interval [start, end) of aware moments that make up `day` in `hall`."""
    zone = hall_zone(hall)
    start = datetime.combine(day, hall.cutoff, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), hall.cutoff, tzinfo=zone)
    return start, end
