"""The business-day clock: the one place that knows the cut-off rule (spec §2).

The evening shift runs past midnight, so a hall's business day ends at its cut-off time (default 04:00),
not at 00:00: anything done before the cut-off belongs to the previous business day. Every function takes
the moment as a parameter; callers pass `timezone.now()`.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


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


class Period:
    """A week (Monday to Sunday) or a calendar month of business days: what weekly and monthly reports and
    the monthly statement cover. Written as ISO text in URLs and files: "2026-W47", "2026-11"."""

    WEEK, MONTH = "week", "month"

    def __init__(self, kind: str, first: date):
        if kind == self.WEEK:
            first -= timedelta(days=first.weekday())
            last = first + timedelta(days=6)
        elif kind == self.MONTH:
            first = first.replace(day=1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        else:
            raise ValueError(f"unknown period kind {kind!r}")
        self.kind, self.first, self.last = kind, first, last

    @classmethod
    def of(cls, kind: str, day: date) -> "Period":
        """The period of `kind` that contains `day`."""
        return cls(kind, day)

    @classmethod
    def parse(cls, kind: str, text: str) -> "Period":
        """From its ISO text ("2026-W47" for a week, "2026-11" for a month); ValueError when it is not one."""
        text = (text or "").strip()
        if kind == cls.WEEK:
            year, _sep, week = text.upper().partition("-W")
            return cls(kind, date.fromisocalendar(int(year), int(week), 1))
        if kind == cls.MONTH:
            year, _sep, month = text.partition("-")
            if len(year) != 4 or not 1 <= len(month) <= 2:
                raise ValueError(f"not a month: {text!r}")
            return cls(kind, date(int(year), int(month), 1))
        raise ValueError(f"unknown period kind {kind!r}")

    @property
    def key(self) -> str:
        if self.kind == self.WEEK:
            year, week, _weekday = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.first.year}-{self.first.month:02d}"

    @property
    def label(self) -> str:
        """As people write it, in the active language: "2026年11月", "2026年第47周（11月16日–11月22日）"."""
        if self.kind == self.MONTH:
            return date_format(self.first, "YEAR_MONTH_FORMAT")
        year, week, _weekday = self.first.isocalendar()
        return _("Week %(week)s of %(year)s (%(first)s – %(last)s)") % {
            "week": week,
            "year": year,
            "first": date_format(self.first, "MONTH_DAY_FORMAT"),
            "last": date_format(self.last, "MONTH_DAY_FORMAT"),
        }

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def previous(self) -> "Period":
        return Period(self.kind, self.first - timedelta(days=1))

    def next(self) -> "Period":
        return Period(self.kind, self.last + timedelta(days=1))

    def __eq__(self, other) -> bool:
        return isinstance(other, Period) and (self.kind, self.first) == (other.kind, other.first)

    def __hash__(self) -> int:
        return hash((self.kind, self.first))

    def __repr__(self) -> str:
        return f"Period({self.key})"
