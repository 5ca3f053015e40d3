"""The rep's workspace at a window: sign on, call and serve tickets, look up the customer, walk the six
steps of article 9, record businesses, and end the visit with the customer's rating."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from counter.errors import CounterError
from counter.forms import BusinessForm
from counter.models import (
    BILLING_WORKFLOWS,
    BusinessType,
    Ticket,
    TicketCategory,
    Visit,
    WindowPost,
    Workflow,
)
from counter.selectors import businesses as business_selectors
from counter.selectors import customers as customer_selectors
from counter.selectors import queue as queue_selectors
from counter.services import businesses as business_services
from counter.services import queue as queue_services
from counter.services import visits as visit_services
from counter.views.customers import may_unmask
from servicecenter import navigation
from servicecenter.models import Window
from servicecenter.scoping import hall_view, int_or_404

STEPS = Visit.Step.choices


def _current(request):
    """The rep's post, the open visit at their window and its ticket (or the ticket called there, while the
    customer is on their way) — at most three queries."""
    post = queue_selectors.current_post(user=request.user, hall=request.hall)
    if post is None:
        return None, None, None
    visit = queue_selectors.open_visit_at(post.window)
    if visit is not None and visit.ticket is not None and visit.ticket.status == Ticket.Status.SERVING:
        return post, visit.ticket, visit
    return post, queue_selectors.ticket_at_window(post.window), visit


def _counter_types():
    return [t for t in business_selectors.active_business_types() if t.workflow not in BILLING_WORKFLOWS]


def _visit_context(request, visit: Visit) -> dict:
    """What the workspace shows of a visit: what was recorded, the business types, the account panel."""
    context = {
        "business_types": _counter_types(),
        "recorded": list(visit.businesses.select_related("business_type").order_by("pk")),
        "complaints": list(visit.complaints.order_by("pk")),
        "may_unmask": may_unmask(request.user, request.hall),
        "visit_actions": navigation.visit_actions(request.user, request.hall, visit.pk),
    }
    if visit.account is not None:
        context["panel"] = customer_selectors.account_panel(visit.account, hall=request.hall)
    return context


@hall_view("counter.serve_window")
def workspace(request):
    hall = request.hall
    post, ticket, visit = _current(request)
    context = {"post": post, "ticket": ticket, "visit": visit, "steps": STEPS}
    if post is None:
        taken = WindowPost.objects.filter(hall=hall).active().values("window_id")
        context["free_windows"] = list(hall.windows.filter(is_active=True).exclude(pk__in=taken))
        context["categories"] = list(TicketCategory.objects.filter(hall=hall, is_active=True))
        return render(request, "counter/workspace/sign_on.html", context)
    if visit is not None:
        context.update(_visit_context(request, visit))
        # Looked up by POST: a resident ID or phone number must not sit in URLs (logs, history).
        query = request.POST.get("q", "").strip()[:100] if request.method == "POST" else ""
        if query:
            context["query"] = query
            context["results"] = customer_selectors.search_accounts(hall=hall, query=query)
        chosen = request.GET.get("type")
        if chosen:
            business_type = next((t for t in context["business_types"] if t.code == chosen), None)
            if business_type is not None and business_type.workflow != Workflow.COMPLAINT:
                context["business_type"] = business_type
                context["business_form"] = BusinessForm(business_type=business_type)
    return render(request, "counter/workspace/workspace.html", context)


@require_POST
@hall_view("counter.serve_window")
def sign_on(request):
    hall = request.hall
    window = get_object_or_404(Window, pk=int_or_404(request.POST.get("window")), hall=hall)
    wanted = [int_or_404(pk) for pk in request.POST.getlist("categories")]
    categories = list(TicketCategory.objects.filter(hall=hall, pk__in=wanted))
    try:
        queue_services.open_post(hall=hall, window=window, user=request.user, categories=categories)
        messages.success(request, _("Signed on at %(window)s.") % {"window": window})
    except CounterError as exc:
        messages.error(request, exc.message)
    return redirect("counter_workspace", hall_id=hall.pk)


@require_POST
@hall_view("counter.serve_window")
def act(request):
    """One button of the workspace: the action's service is called, the outcome shown as a message."""
    hall, user, data = request.hall, request.user, request.POST
    action = data.get("action", "")
    ticket_id = data.get("ticket")
    visit_id = data.get("visit")
    target = reverse("counter_workspace", kwargs={"hall_id": hall.pk})
    try:
        if action == "call_next":
            ticket = queue_services.call_next(user=user, hall=hall)
            messages.success(request, _("Called %(ticket)s.") % {"ticket": ticket.code})
        elif action == "recall":
            ticket = queue_services.recall(user=user, hall=hall, ticket_id=int_or_404(ticket_id))
            messages.info(request, _("Called %(ticket)s again.") % {"ticket": ticket.code})
        elif action == "no_show":
            ticket = queue_services.mark_no_show(user=user, hall=hall, ticket_id=int_or_404(ticket_id))
            messages.info(request, _("%(ticket)s marked as a no-show.") % {"ticket": ticket.code})
        elif action == "start":
            visit_services.start_visit(user=user, hall=hall, ticket_id=int_or_404(ticket_id))
        elif action == "transfer":
            to_window = queue_selectors.window_in_hall(hall, data.get("to_window"))
            to_category = queue_selectors.category_in_hall(hall, data.get("to_category"))
            if visit_id:
                visit_services.transfer_visit(
                    user=user,
                    hall=hall,
                    visit_id=int_or_404(visit_id),
                    to_window=to_window,
                    to_category=to_category,
                )
            else:
                queue_services.transfer_ticket(
                    user=user,
                    hall=hall,
                    ticket_id=int_or_404(ticket_id),
                    to_window=to_window,
                    to_category=to_category,
                )
            messages.success(request, _("Ticket transferred."))
        elif action == "pause":
            queue_services.pause_post(user=user, hall=hall)
        elif action == "resume":
            queue_services.resume_post(user=user, hall=hall)
        elif action == "sign_off":
            queue_services.end_post(user=user, hall=hall)
            messages.success(request, _("Signed off."))
        elif action == "attach":
            account = customer_selectors.get_account(hall=hall, account_id=data.get("account"))
            visit_services.attach_account(
                user=user, hall=hall, visit_id=int_or_404(visit_id), account=account
            )
        elif action == "step":
            visit_services.set_step(
                user=user,
                hall=hall,
                visit_id=int_or_404(visit_id),
                step=data.get("step", ""),
                intent=data.get("intent"),
            )
        elif action == "request_rating":
            visit_services.request_rating(user=user, hall=hall, visit_id=int_or_404(visit_id))
            messages.info(request, _("The customer can now rate the service on the device."))
        elif action == "end_visit":
            visit_services.end_visit(user=user, hall=hall, visit_id=int_or_404(visit_id))
            messages.success(request, _("Visit ended. Thank the customer and call the next ticket."))
        else:
            messages.error(request, _("Unknown action."))
    except CounterError as exc:
        if exc.code == "forbidden":
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    return redirect(target)


@hall_view("counter.serve_window")
def transfer_form(request):
    """The transfer choices, loaded into the workspace when the rep asks for them."""
    hall = request.hall
    return render(
        request,
        "counter/workspace/_transfer.html",
        {
            "windows": list(hall.windows.filter(is_active=True)),
            "categories": list(TicketCategory.objects.filter(hall=hall, is_active=True)),
            "ticket_id": request.GET.get("ticket", ""),
            "visit_id": request.GET.get("visit", ""),
        },
    )


@require_POST
@hall_view("counter.serve_window")
def record_business(request, visit_id):
    hall = request.hall
    visit = Visit.objects.filter(pk=visit_id, hall=hall).first()
    if visit is None:
        raise Http404
    business_type = get_object_or_404(BusinessType, code=request.POST.get("type", ""), is_active=True)
    form = BusinessForm(request.POST, business_type=business_type)
    if form.is_valid():
        try:
            business = business_services.record_business(
                visit=visit,
                business_type=business_type,
                by=request.user,
                data=form.business_data(),
                documents_seen=form.documents_seen(),
                missing_note=form.cleaned_data["missing_note"],
                complete=form.cleaned_data["complete"],
                outcome=form.cleaned_data["outcome"],
            )
        except CounterError as exc:
            if exc.code == "forbidden":
                raise PermissionDenied(exc.message) from exc
            form.add_error(None, exc.message)
        else:
            if business.status == business.Status.INCOMPLETE:
                messages.warning(
                    request,
                    _("%(number)s recorded as incomplete. %(told)s")
                    % {"number": business.number, "told": business.missing_documents},
                )
            else:
                messages.success(
                    request,
                    _("%(number)s %(type)s: %(status)s.")
                    % {
                        "number": business.number,
                        "type": business_type.name,
                        "status": business.get_status_display(),
                    },
                )
            return redirect("counter_workspace", hall_id=hall.pk)
    # Show the workspace again with the form and its errors.
    post, ticket, open_visit = _current(request)
    context = {"post": post, "ticket": ticket, "visit": open_visit, "steps": STEPS}
    context.update(_visit_context(request, visit), business_type=business_type, business_form=form)
    return render(request, "counter/workspace/workspace.html", context, status=400)


urlpatterns = [
    path("halls/<int:hall_id>/counter/", workspace, name="counter_workspace"),
    path("halls/<int:hall_id>/counter/sign-on/", sign_on, name="counter_sign_on"),
    path("halls/<int:hall_id>/counter/act/", act, name="counter_act"),
    path("halls/<int:hall_id>/counter/transfer/", transfer_form, name="counter_transfer_form"),
    path(
        "halls/<int:hall_id>/counter/visits/<int:visit_id>/businesses/",
        record_business,
        name="counter_record_business",
    ),
]
