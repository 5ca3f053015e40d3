"""The company's weekly and monthly revenue reports for its managers (spec §1, §4.6): every hall of the
company side by side, read from the report the worker built; build it again, watch it build, export it."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import company, exports, selectors
from billing.errors import BillingError
from billing.models import HallDay
from billing.periods import parse_period
from billing.services import company_reports
from servicecenter.clock import Period, business_day
from servicecenter.scoping import get_company_for_user, hall_view

KINDS = {"week": Period.WEEK, "month": Period.MONTH}
PERM = company_reports.PERM


def _company(request):
    return get_company_for_user(request.user, request.hall.company_id, PERM)


def _context(request, kind: str) -> tuple[dict, int]:
    the_company, halls = _company(request)
    today = max(business_day(hall, timezone.now()) for hall in halls)
    context = {"kind": kind, "company": the_company, "today": today}
    text = request.GET.get("period")
    try:
        # Unless asked for another, the period of the day that ended: the one the worker built this morning.
        default = Period.of(kind, today - timedelta(days=1))
        period = parse_period(kind, text, halls, at=timezone.now()) if text else default
    except BillingError as error:
        context["error"] = error.message
        return context, 400
    report = selectors.latest_company_report(the_company, period)
    last = selectors.last_company_report_request(the_company, period)
    building = selectors.pending_company_report(the_company, period)
    context.update(
        period=period,
        previous=period.previous(),
        next=period.next() if period.next().first <= today else None,
        report=report,
        building=building,
        failed=last if last is not None and last.state == last.State.FAILED else None,
    )
    if report is not None:
        context.update(_side_by_side(report.data))
    return context, 200


def _side_by_side(data: dict) -> dict:
    """The built figures as the page lays them out: a column per hall (in `pairs`, each row's hall with its
    value) and one for the company."""
    halls = data["halls"]  # each hall's figures, with its id and name
    labels = dict(HallDay.State.choices)
    figures = company.figures(data)
    days = company.by_day(data)
    tables = [
        (_("By tender"), company.by_tender(data), "money", "by-tender"),
        (_("By fee item"), company.by_item(data), "money", "by-item"),
        (_("By business type"), company.by_business_type(data), "int", "by-business-type"),
    ]
    for line in [*figures, *(line for _t, lines, _k, _i in tables for line in lines)]:
        line.pairs = list(zip(halls, line.cells, strict=True))
    for line in days:
        states = [labels.get(state, "") for state in line.extra["states"]]
        line.pairs = list(zip(halls, line.cells, states, strict=True))
    names = {hall["id"]: hall["name"] for hall in halls}
    return {
        "data": data,
        "halls": halls,
        "figures": figures,
        "days": days,
        "tables": tables,
        "chart": _chart_data(halls, days),
        "over_short": [{**row, "hall_name": names.get(row["hall"], "")} for row in data["over_short_tills"]],
        "reversals": [{**row, "hall_name": names.get(row["hall"], "")} for row in data["reversals"]],
    }


def _chart_data(halls: list[dict], days: list) -> dict:
    """What the page's script draws: each hall's net per day with business, and the daily report each bar
    opens — all made here, none from input."""
    series = []
    for n, hall in enumerate(halls):
        day_url = reverse("billing_day", args=[hall["id"]])
        values = [line.cells[n] for line in days]  # None: no business in the hall that day
        series.append(
            {
                "name": hall["name"],
                "net": [value or "0" for value in values],
                "urls": [
                    None if value is None else f"{day_url}?day={line.day}"
                    for line, value in zip(days, values, strict=True)
                ],
            }
        )
    return {
        "days": [line.day for line in days],
        "labels": [line.day[5:] for line in days],  # 09-07: a week may cross into the next month
        "halls": series,
    }


@hall_view(PERM)
def company_report(request, kind):
    context, status = _context(request, KINDS[kind])
    return render(request, "billing/company/report.html", context, status=status)


@require_POST
@hall_view(PERM)
def company_report_build(request, kind):
    the_company, halls = _company(request)
    try:
        period = parse_period(KINDS[kind], request.POST.get("period", ""), halls, at=timezone.now())
        report, created = company_reports.request_company_report(
            company=the_company, period=period, by=request.user
        )
    except BillingError as error:
        messages.error(request, error.message)
        return redirect("billing_company_" + kind, request.hall.pk)
    if not created and report.final:
        messages.info(request, _("This report is final: the period has ended and every day of it is locked."))
    url = reverse("billing_company_" + kind, args=[request.hall.pk])
    return redirect(f"{url}?period={period.key}")


@hall_view(PERM)
def company_report_progress(request, report_id):
    """The bar alone, polled by the page while the worker builds; once the build is finished the page is
    loaded again, with its figures."""
    the_company, _halls = _company(request)
    report = selectors.get_company_report(the_company, report_id)
    response = render(request, "billing/company/_progress.html", {"building": report})
    if report.finished:
        response["HX-Refresh"] = "true"
    return response


@hall_view(PERM)
def company_report_export(request, kind, fmt):
    context, status = _context(request, KINDS[kind])
    if status == 200 and context.get("report") is None:
        context["error"] = _("This report has not been built yet: build it first.")
        status = 404
    if status != 200:
        return render(request, "billing/company/report.html", context, status=status)
    return exports.company_export(context["company"].name, context["period"], context["data"], fmt)


urlpatterns = [
    *(
        path(
            f"halls/<int:hall_id>/money/company/{kind}/",
            company_report,
            {"kind": kind},
            name=f"billing_company_{kind}",
        )
        for kind in KINDS
    ),
    *(
        path(
            f"halls/<int:hall_id>/money/company/{kind}/build/",
            company_report_build,
            {"kind": kind},
            name=f"billing_company_{kind}_build",
        )
        for kind in KINDS
    ),
    *(
        path(
            f"halls/<int:hall_id>/money/company/{kind}/export.{fmt}",
            company_report_export,
            {"kind": kind, "fmt": fmt},
            name=f"billing_company_{kind}_{fmt}",
        )
        for kind in KINDS
        for fmt in ("csv", "xlsx")
    ),
    path(
        "halls/<int:hall_id>/money/company/builds/<int:report_id>/progress/",
        company_report_progress,
        name="billing_company_progress",
    ),
]
