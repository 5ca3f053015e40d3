"""Weekly and monthly revenue reports of a hall (spec §4.6): the page and its CSV and XLSX exports."""

from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from billing import exports
from billing.errors import BillingError
from billing.models import HallDay
from billing.periods import build_period_report, parse_period
from servicecenter.clock import Period, business_day
from servicecenter.scoping import hall_view

KINDS = {"week": Period.WEEK, "month": Period.MONTH}


def requested_period(request, kind: str, hall) -> Period:
    """`?period=2026-W47` / `?period=2026-11`, or the period of the hall's business day now (BillingError for
    text that is not a period and for a period that has not begun)."""
    now = timezone.now()
    text = request.GET.get("period")
    if not text:
        return Period.of(kind, business_day(hall, now))
    return parse_period(kind, text, hall, at=now)


def _context(request, kind: str) -> tuple[dict, int]:
    hall = request.hall
    context = {"kind": kind, "today": business_day(hall, timezone.now())}
    try:
        period = requested_period(request, kind, hall)
    except BillingError as error:
        context["error"] = error.message
        return context, 400
    report = build_period_report([hall], period)
    labels = dict(HallDay.State.choices)
    for day in report["days"]:
        day["state_label"] = labels.get(day["state"], "")
    context.update(
        period=period,
        report=report,
        previous=period.previous(),
        next=period.next() if period.next().first <= context["today"] else None,
        focus=request.GET.get("day", ""),
    )
    return context, 200


@hall_view("billing.view_dailyreport")
def period_report(request, kind):
    context, status = _context(request, KINDS[kind])
    return render(request, "billing/periods/report.html", context, status=status)


@hall_view("billing.view_dailyreport")
def period_export(request, kind, fmt):
    context, status = _context(request, KINDS[kind])
    if status != 200:
        return render(request, "billing/periods/report.html", context, status=status)
    return exports.period_export(request.hall, context["period"], context["report"], fmt)


urlpatterns = [
    *(
        path(f"halls/<int:hall_id>/money/{kind}/", period_report, {"kind": kind}, name=f"billing_{kind}")
        for kind in KINDS
    ),
    *(
        path(
            f"halls/<int:hall_id>/money/{kind}/export.{fmt}",
            period_export,
            {"kind": kind, "fmt": fmt},
            name=f"billing_{kind}_{fmt}",
        )
        for kind in KINDS
        for fmt in ("csv", "xlsx")
    ),
]
