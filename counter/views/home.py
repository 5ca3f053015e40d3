"""The counter's panel on the hall's home page: what needs attention now, by role."""

from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from counter.selectors import businesses as business_selectors
from counter.selectors import complaints as complaint_selectors
from counter.selectors import queue as queue_selectors
from servicecenter.clock import business_day
from servicecenter.scoping import hall_view, has_hall_perm


@hall_view("counter.view_business")
def home_panel(request):
    hall, user = request.hall, request.user
    now = timezone.now()
    day = business_day(hall, now)
    context = {"lines": queue_selectors.queue_summary(hall, day=day, now=now)}
    if has_hall_perm(user, hall, "counter.supervise_business"):
        context["overdue_businesses"] = business_selectors.overdue_businesses(hall, today=day).count()
        context["overdue_complaints"] = complaint_selectors.overdue_complaints(hall, now=now).count()
        context["alerts"] = complaint_selectors.unacknowledged_alerts_count(hall)
    if has_hall_perm(user, hall, "counter.handle_business"):
        context["mine"] = list(
            business_selectors.open_businesses(hall, today=day).filter(accepted_by=user)[:10]
        )
        context["today"] = day
    return render(request, "counter/home/_panel.html", context)


urlpatterns = [path("halls/<int:hall_id>/counter/summary/", home_panel, name="counter_home_panel")]
