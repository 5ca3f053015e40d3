"""The supervisor's dashboard: a month's figures of a hall at a glance, as charts and compact tables whose
every figure links to the report it comes from (the month's report, or the day's)."""

from datetime import date

from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.errors import BillingError
from billing.periods import build_period_report
from billing.views.periods import requested_period
from servicecenter.clock import Period, business_day
from servicecenter.scoping import hall_view


def _chart_data(report: dict, *, day_url: str, month_url: str, today: date) -> dict:
    """What the page's script draws: one row per day of the month up to today (a later day has no report to
    open), the tenders, and the address each bar, point and slice opens — all made here, none from input."""
    days = []
    for row in report["days"]:
        day = date.fromisoformat(row["day"])
        if day > today:
            break
        days.append(
            {
                "day": row["day"],
                "label": str(day.day),  # the axis of a month's chart: its days' numbers
                "net": row["net"],
                "over_short": row["over_short"],
                "vas": row["vas"],
                "vas_count": row["vas_count"],
                "payments": row["payments"],
                "url": f"{day_url}?day={row['day']}",
            }
        )
    return {
        "days": days,
        "tenders": [{"tender": r["tender"], "net": r["net"], "url": month_url} for r in report["by_tender"]],
        "text": {
            "net": _("Net"),
            "over_short": _("Over / short"),
            "vas": _("VAS"),
            "tenders": _("By tender"),
        },
    }


@hall_view("billing.view_dailyreport")
def dashboard(request):
    hall = request.hall
    today = business_day(hall, timezone.now())
    context: dict = {"today": today}
    try:
        period = requested_period(request, Period.MONTH, hall)
    except BillingError as error:
        context["error"] = error.message
        return render(request, "billing/dashboard.html", context, status=400)
    report = build_period_report([hall], period)
    month_url = f"{reverse('billing_month', args=[hall.pk])}?period={period.key}"
    day_url = reverse("billing_day", args=[hall.pk])
    # The compact tables list the days with business; the charts show every day up to today.
    busy = [d for d in report["days"] if d["state"] or d["payments"] or d["over_short"] != "0.00"]
    trend = {key: {**t, "down": str(t["change"]).startswith("-")} for key, t in report["trend"].items()}
    figures = [
        {"label": _("Takings"), "value": report["gross"], "trend": trend["gross"], "testid": "gross"},
        {"label": _("Net"), "value": report["net"], "trend": trend["net"], "testid": "net"},
        {"label": _("VAS"), "value": report["vas"], "trend": trend["vas"], "testid": "vas"},
        {
            "label": _("Cash takings"),
            "value": report["cash_takings"],
            "trend": trend["cash_takings"],
            "testid": "cash-takings",
            "deposited": report["deposited"],
        },
        {"label": _("Over / short"), "value": report["over_short"], "testid": "over-short"},
        {
            "label": _("Payments"),
            "value": report["payments"],
            "trend": trend["payments"],
            "testid": "payments",
            "plain": True,
        },
    ]
    next_period = period.next()
    context.update(
        period=period,
        report=report,
        figures=figures,
        busy_days=busy,
        month_url=month_url,
        day_url=day_url,
        previous=period.previous(),
        next=next_period if next_period.first <= today else None,
        chart=_chart_data(report, day_url=day_url, month_url=month_url, today=today),
    )
    return render(request, "billing/dashboard.html", context)


urlpatterns = [
    path("halls/<int:hall_id>/money/dashboard/", dashboard, name="billing_dashboard"),
]
