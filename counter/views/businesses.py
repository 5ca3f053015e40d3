"""Businesses after the counter: the open list (overdue first, for the supervisor) and each business's page,
where it is followed up, given its documents, passed on, completed or rejected."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from counter.errors import CounterError
from counter.models import GasAccount, Workflow
from counter.selectors import businesses as business_selectors
from counter.services import businesses as business_services
from counter.views.customers import may_unmask, unmasked_response
from servicecenter.clock import business_day
from servicecenter.scoping import hall_view, has_hall_perm, int_or_404


@hall_view("counter.view_business")
def business_list(request):
    hall = request.hall
    today = business_day(hall, timezone.now())
    show = request.GET.get("show", "open")
    if show == "closed":
        rows = business_selectors.recent_closed(hall, limit=100)
        page = None
    else:
        if show == "overdue":
            queryset = business_selectors.overdue_businesses(hall, today=today)
        else:
            queryset = business_selectors.open_businesses(hall, today=today)
        page = Paginator(queryset, 50).get_page(request.GET.get("page"))
        rows = page.object_list
    return render(
        request,
        "counter/businesses/list.html",
        {"rows": rows, "page": page, "show": show, "today": today},
    )


@hall_view("counter.view_business")
def business_detail(request, business_id):
    hall = request.hall
    business = business_selectors.get_business(hall, business_id)
    return render(
        request,
        "counter/businesses/detail.html",
        {
            "business": business,
            "events": list(business.events.select_related("by")),
            "seen": {d.pk for d in business.documents_seen.all()},
            "documents": list(business.business_type.documents.all()),
            "may_handle": has_hall_perm(request.user, hall, "counter.handle_business"),
            "fields": business_selectors.business_details(business),
            "may_unmask": may_unmask(request.user, hall),
            "meter_types": GasAccount.MeterType.choices,
            "is_new_connection": business.business_type.workflow == Workflow.NEW_CONNECTION,
            "today": business_day(hall, timezone.now()),
        },
    )


@require_POST
@hall_view("counter.handle_business")
def business_act(request, business_id):
    hall, user, data = request.hall, request.user, request.POST
    business = business_selectors.get_business(hall, business_id)
    action = data.get("action", "")
    try:
        if action == "documents":
            business_services.supply_documents(
                business=business,
                documents_seen=[int_or_404(pk) for pk in data.getlist("documents")],
                by=user,
            )
            messages.success(request, _("Documents recorded."))
        elif action == "start":
            business_services.start_business(
                business=business, by=user, reference=data.get("reference", ""), note=data.get("note", "")
            )
            messages.success(request, _("Business passed on."))
        elif action == "follow_up":
            business_services.follow_up(business=business, by=user, note=data.get("note", ""))
            messages.success(request, _("Follow-up recorded."))
        elif action == "complete":
            business_services.complete_business(
                business=business,
                by=user,
                outcome=data.get("outcome", ""),
                account_number=data.get("account_number", ""),
                meter_type=data.get("meter_type", ""),
            )
            messages.success(request, _("Business completed."))
        elif action == "reject":
            business_services.reject_business(business=business, by=user, reason=data.get("reason", ""))
            messages.success(request, _("Business rejected."))
        else:
            messages.error(request, _("Unknown action."))
    except CounterError as exc:
        messages.error(request, exc.message)
    return redirect("counter_business", hall_id=hall.pk, business_id=business.pk)


@require_POST
@hall_view("counter.unmask_customer")
def business_unmask(request, business_id, field):
    """A masked detail in full, in place (htmx); recorded in the audit log."""
    business = business_selectors.get_business(request.hall, business_id)
    try:
        value = business_services.reveal_business_field(
            business=business, field=field, hall=request.hall, by=request.user
        )
    except CounterError as exc:
        return HttpResponse(exc.message, status=400)
    return unmasked_response(value)


urlpatterns = [
    path("halls/<int:hall_id>/businesses/", business_list, name="counter_businesses"),
    path("halls/<int:hall_id>/businesses/<int:business_id>/", business_detail, name="counter_business"),
    path("halls/<int:hall_id>/businesses/<int:business_id>/act/", business_act, name="counter_business_act"),
    path(
        "halls/<int:hall_id>/businesses/<int:business_id>/unmask/<str:field>/",
        business_unmask,
        name="counter_business_unmask",
    ),
]
