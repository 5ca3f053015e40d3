"""What billing's pages share: the business day a page looks at, and running a service with its refusal
shown as a message."""

from datetime import date

from django.contrib import messages
from django.utils import timezone
from django.utils.dateparse import parse_date

from billing.errors import BillingError
from servicecenter.clock import business_day


def page_day(request) -> date:
    """`?day=YYYY-MM-DD`, or the hall's business day now. A malformed date falls back to today."""
    today = business_day(request.hall, timezone.now())
    try:
        day = parse_date(request.GET.get("day") or "")
    except ValueError:
        day = None
    return day if day is not None and date(2000, 1, 1) <= day <= today else today


def attempt(request, action, success: str = "") -> bool:
    """Run one service call; its refusal becomes an error message (nothing was changed)."""
    try:
        action()
    except BillingError as error:
        messages.error(request, error.message)
        return False
    if success:
        messages.success(request, success)
    return True
