"""The duty manager's floor, live (htmx polls every 5 s): windows, queues, alerts, complaints, incidents."""

from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from counter.selectors import floor as floor_selectors
from servicecenter.clock import business_day
from servicecenter.scoping import hall_view


def _context(hall) -> dict:
    now = timezone.now()
    return floor_selectors.floor(hall, now=now, day=business_day(hall, now))


@hall_view("counter.view_floor")
def floor(request):
    return render(request, "counter/floor/floor.html", _context(request.hall))


@hall_view("counter.view_floor")
def floor_live(request):
    return render(request, "counter/floor/_live.html", _context(request.hall))


urlpatterns = [
    path("halls/<int:hall_id>/floor/", floor, name="counter_floor"),
    path("halls/<int:hall_id>/floor/live/", floor_live, name="counter_floor_live"),
]
