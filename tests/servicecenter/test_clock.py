from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from servicecenter.clock import business_day, business_day_bounds
from servicecenter.models import Hall

SH = ZoneInfo("Asia/Shanghai")


def hall(cutoff=time(4, 0)):
    return Hall(name="h", code="h", cutoff=cutoff, time_zone="Asia/Shanghai")


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 11, 22, 23, 59, tzinfo=SH), date(2026, 11, 22)),
        (datetime(2026, 11, 23, 0, 30, tzinfo=SH), date(2026, 11, 22)),
        (datetime(2026, 11, 23, 3, 59, 59, tzinfo=SH), date(2026, 11, 22)),
        (datetime(2026, 11, 23, 4, 0, tzinfo=SH), date(2026, 11, 23)),
        (datetime(2026, 11, 23, 12, 0, tzinfo=SH), date(2026, 11, 23)),
    ],
)
def test_business_day_ends_at_the_cutoff_not_at_midnight(local, expected):
    assert business_day(hall(), local) == expected


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 12, 1, 0, 30, tzinfo=SH), date(2026, 11, 30)),  # 30-day month
        (datetime(2027, 1, 1, 3, 59, tzinfo=SH), date(2026, 12, 31)),  # year end
        (datetime(2027, 3, 1, 1, 0, tzinfo=SH), date(2027, 2, 28)),  # February
        (datetime(2028, 3, 1, 1, 0, tzinfo=SH), date(2028, 2, 29)),  # leap year
        (datetime(2026, 2, 1, 4, 0, tzinfo=SH), date(2026, 2, 1)),  # month's first day at the cut-off
    ],
)
def test_night_shift_after_midnight_counts_in_the_previous_month(local, expected):
    assert business_day(hall(), local) == expected


def test_moments_in_utc_are_placed_in_the_halls_time_zone():
    # 19:30 UTC is 03:30 the next morning in Shanghai: still the previous business day.
    assert business_day(hall(), datetime(2026, 11, 22, 19, 30, tzinfo=UTC)) == date(2026, 11, 22)
    # 20:00 UTC is 04:00 in Shanghai: the new day has begun.
    assert business_day(hall(), datetime(2026, 11, 22, 20, 0, tzinfo=UTC)) == date(2026, 11, 23)


def test_a_hall_with_a_different_cutoff_uses_its_own():
    early = hall(cutoff=time(1, 30))
    assert business_day(early, datetime(2026, 11, 23, 1, 29, tzinfo=SH)) == date(2026, 11, 22)
    assert business_day(early, datetime(2026, 11, 23, 1, 30, tzinfo=SH)) == date(2026, 11, 23)


def test_midnight_cutoff_is_the_calendar_day():
    assert business_day(hall(cutoff=time(0, 0)), datetime(2026, 11, 23, 0, 0, tzinfo=SH)) == date(
        2026, 11, 23
    )


def test_bounds_run_from_cutoff_to_next_cutoff():
    start, end = business_day_bounds(hall(), date(2026, 11, 30))
    assert start == datetime(2026, 11, 30, 4, 0, tzinfo=SH)
    assert end == datetime(2026, 12, 1, 4, 0, tzinfo=SH)
    assert business_day(hall(), start) == date(2026, 11, 30)
    assert business_day(hall(), end) == date(2026, 12, 1)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        business_day(hall(), datetime(2026, 11, 23, 1, 0))
