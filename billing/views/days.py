"""The daily revenue report (spec §4.6) and the end of the day: build it now, approve it, record the bank
deposit — after which the day is locked."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import exports, selectors
from billing.models import Discrepancy, HallDay
from billing.services import days as services
from billing.views.common import attempt, page_day
from servicecenter.clock import Period
from servicecenter.scoping import hall_view, has_hall_perm


@hall_view("billing.view_dailyreport")
def daily_report(request):
    hall = request.hall
    day = page_day(request)
    hall_day = selectors.hall_day(hall, day)
    report = selectors.daily_report(hall, day)
    state = hall_day.state if hall_day else HallDay.State.OPEN
    if report is not None:
        labels = dict(Discrepancy.Kind.choices)
        for item in report.data.get("exceptions", []):
            item["label"] = labels.get(item["kind"], item["kind"])
    user = request.user
    context = {
        "day": day,
        "hall_day": hall_day,
        "state": state,
        "state_label": HallDay.State(state).label,
        "report": report.data if report else None,
        "generated_at": report.generated_at if report else None,
        "blockers": services.day_blockers(hall, day) if state == HallDay.State.OPEN else [],
        "deposit": selectors.deposit(hall, day),
        "may_generate": state == HallDay.State.OPEN and has_hall_perm(user, hall, "billing.generate_report"),
        "may_approve": state == HallDay.State.OPEN and has_hall_perm(user, hall, "billing.approve_day"),
        "may_deposit": state == HallDay.State.APPROVED
        and has_hall_perm(user, hall, "billing.record_deposit"),
        "recent": selectors.recent_days(hall, limit=14),
        "week_key": Period.of(Period.WEEK, day).key,
    }
    return render(request, "billing/days/report.html", context)


@hall_view("billing.view_dailyreport")
def daily_export(request, fmt):
    day = page_day(request)
    report = selectors.daily_report(request.hall, day)
    if report is None:
        messages.error(request, _("No report has been built for this day yet."))
        return _back(request, day)
    return exports.daily_export(request.hall, report.data, fmt)


def _back(request, day):
    return redirect(f"{reverse('billing_day', args=[request.hall.pk])}?day={day.isoformat()}")


@require_POST
@hall_view("billing.generate_report")
def generate(request):
    day = page_day(request)
    attempt(request, lambda: services.generate_daily_report(hall=request.hall, day=day), _("Report rebuilt."))
    return _back(request, day)


@require_POST
@hall_view("billing.approve_day")
def approve(request):
    day = page_day(request)
    attempt(
        request,
        lambda: services.approve_day(
            hall=request.hall, day=day, by=request.user, note=request.POST.get("note", "")
        ),
        _("The day's report is approved. Record the bank deposit to lock the day."),
    )
    return _back(request, day)


@require_POST
@hall_view("billing.record_deposit")
def deposit(request):
    day = page_day(request)
    post = request.POST
    attempt(
        request,
        lambda: services.record_deposit(
            hall=request.hall,
            day=day,
            amount=post.get("amount", ""),
            bank=post.get("bank", ""),
            slip_number=post.get("slip_number", ""),
            explanation=post.get("explanation", ""),
            by=request.user,
        ),
        _("Deposit recorded. The day is locked."),
    )
    return _back(request, day)


urlpatterns = [
    path("halls/<int:hall_id>/money/day/", daily_report, name="billing_day"),
    path("halls/<int:hall_id>/money/day/generate/", generate, name="billing_day_generate"),
    path("halls/<int:hall_id>/money/day/approve/", approve, name="billing_day_approve"),
    path("halls/<int:hall_id>/money/day/deposit/", deposit, name="billing_day_deposit"),
    *(
        path(
            f"halls/<int:hall_id>/money/day/export.{fmt}",
            daily_export,
            {"fmt": fmt},
            name=f"billing_day_{fmt}",
        )
        for fmt in ("csv", "xlsx")
    ),
]
