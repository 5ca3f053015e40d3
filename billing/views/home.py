"""Billing's panel on the hall's home page: what needs doing about money now, by role."""

from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from billing import selectors
from billing.models import Discrepancy, HallDay, Payment, Reversal, Till
from servicecenter.clock import business_day
from servicecenter.scoping import hall_view, has_hall_perm


@hall_view()
def home_panel(request):
    hall, user = request.hall, request.user
    today = business_day(hall, timezone.now())
    context = {"today": today}
    if has_hall_perm(user, hall, "billing.take_payment"):
        context["takes_payments"] = True
        context["my_till"] = selectors.live_till(user, hall)
        context["my_book"] = selectors.rep_book(user, hall)
    if has_hall_perm(user, hall, "billing.verify_till"):
        context["to_verify"] = (
            Till.objects.filter(hall=hall, state=Till.State.HANDED_IN).exclude(rep=user).count()
        )
        context["open_exceptions"] = Discrepancy.objects.filter(hall=hall, resolved_at__isnull=True).count()
    if has_hall_perm(user, hall, "billing.approve_day"):
        context["voids"] = Payment.objects.filter(hall=hall, status=Payment.Status.VOID_REQUESTED).count()
        context["reversals"] = Reversal.objects.filter(hall=hall, state=Reversal.State.REQUESTED).count()
        context["days"] = list(
            HallDay.objects.filter(hall=hall, day__lt=today)
            .exclude(state=HallDay.State.LOCKED)
            .order_by("day")[:7]
        )
    if len(context) == 1:
        return render(request, "billing/home/_panel.html", {"empty": True})
    return render(request, "billing/home/_panel.html", context)


urlpatterns = [path("halls/<int:hall_id>/money/summary/", home_panel, name="billing_home_panel")]
