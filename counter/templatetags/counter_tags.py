"""Template filters of the counter pages: durations, money."""

from decimal import Decimal

from django import template

from servicecenter.money import format_cny

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Seconds as m:ss, or h:mm:ss from an hour: how long someone waited or was served."""
    if seconds is None or seconds == "":
        return "—"
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def cny(amount) -> str:
    if amount is None or amount == "":
        return "—"
    return format_cny(Decimal(amount))
