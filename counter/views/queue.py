"""The greeter's page: issue queue tickets (priority for VIP customers), print them, see today's tickets."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from counter.errors import CounterError
from counter.models import Ticket, TicketCategory
from counter.selectors import businesses as business_selectors
from counter.selectors import queue as queue_selectors
from counter.services import queue as queue_services
from servicecenter.clock import business_day
from servicecenter.scoping import hall_view, int_or_404


def queue_context(hall, now) -> dict:
    day = business_day(hall, now)
    return {"lines": queue_selectors.queue_summary(hall, day=day, now=now), "day": day}


@hall_view("counter.add_ticket")
def greeter(request):
    hall = request.hall
    now = timezone.now()
    context = queue_context(hall, now)
    context["tickets"] = queue_selectors.tickets_today(hall, day=context["day"])
    # What each business needs, for the greeter to check at the door (手续是否齐全).
    context["business_types"] = business_selectors.active_business_types()
    return render(request, "counter/queue/greeter.html", context)


@hall_view("counter.add_ticket")
def queue_panel(request):
    """The waiting counts, refreshed by htmx on the greeter's page."""
    return render(request, "counter/queue/_lines.html", queue_context(request.hall, timezone.now()))


@require_POST
@hall_view("counter.add_ticket")
def issue(request):
    hall = request.hall
    category = TicketCategory.objects.filter(hall=hall, pk=int_or_404(request.POST.get("category"))).first()
    if category is None:
        raise Http404
    try:
        ticket = queue_services.issue_ticket(
            hall=hall, category=category, priority=request.POST.get("priority") == "1", by=request.user
        )
    except CounterError as exc:
        messages.error(request, exc.message)
        return redirect("counter_queue", hall_id=hall.pk)
    url = reverse("counter_ticket_print", kwargs={"hall_id": hall.pk, "ticket_id": ticket.pk})
    return redirect(f"{url}?print=1")


@hall_view("counter.view_ticket")
def ticket_print(request, ticket_id):
    ticket = get_object_or_404(
        Ticket.objects.select_related("category", "hall"), pk=ticket_id, hall=request.hall
    )
    return render(
        request,
        "counter/queue/ticket_print.html",
        {
            "ticket": ticket,
            "auto_print": request.GET.get("print") == "1",
            "back_url": reverse("counter_queue", kwargs={"hall_id": request.hall.pk}),
        },
    )


urlpatterns = [
    path("halls/<int:hall_id>/queue/", greeter, name="counter_queue"),
    path("halls/<int:hall_id>/queue/lines/", queue_panel, name="counter_queue_lines"),
    path("halls/<int:hall_id>/queue/issue/", issue, name="counter_issue_ticket"),
    path("halls/<int:hall_id>/tickets/<int:ticket_id>/print/", ticket_print, name="counter_ticket_print"),
]
