"""Customer lookup, the account page, and showing masked personal data (an audited click)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from counter.errors import CounterError
from counter.selectors import customers as customer_selectors
from counter.services import customers as customer_services
from servicecenter.scoping import hall_view, has_hall_perm


def may_unmask(user, hall) -> bool:
    return has_hall_perm(user, hall, "counter.unmask_customer")


@hall_view("counter.view_customer")
def lookup(request):
    hall = request.hall
    # Looked up by POST: a resident ID or phone number must not sit in URLs (logs, history).
    query = request.POST.get("q", "").strip()[:100] if request.method == "POST" else ""
    results = customer_selectors.search_accounts(hall=hall, query=query) if query else []
    return render(
        request,
        "counter/customers/lookup.html",
        {"query": query, "results": [(a, customer_selectors.masked(a.holder)) for a in results]},
    )


@hall_view("counter.view_customer")
def account(request, account_id):
    hall = request.hall
    account = customer_selectors.get_account(hall=hall, account_id=account_id)
    return render(
        request,
        "counter/customers/account.html",
        {
            "panel": customer_selectors.account_panel(account, hall=hall),
            "may_unmask": may_unmask(request.user, hall),
        },
    )


@require_POST
@hall_view("counter.unmask_customer")
def unmask(request, customer_id, field):
    """The full value in place of the masked one (htmx swap); the showing is recorded in the audit log."""
    customer = customer_selectors.get_customer(hall=request.hall, customer_id=customer_id)
    try:
        value = customer_services.reveal_personal_data(
            customer=customer, field=field, hall=request.hall, by=request.user
        )
    except CounterError as exc:
        return HttpResponse(exc.message, status=400)
    return unmasked_response(value or "—")


def unmasked_response(value: str) -> HttpResponse:
    """The full value, swapped by htmx in place of the masked one."""
    return HttpResponse(format_html('<span class="sc-unmasked" data-testid="unmasked">{}</span>', value))


urlpatterns = [
    path("halls/<int:hall_id>/customers/", lookup, name="counter_lookup"),
    path("halls/<int:hall_id>/accounts/<int:account_id>/", account, name="counter_account"),
    path(
        "halls/<int:hall_id>/customers/<int:customer_id>/unmask/<str:field>/", unmask, name="counter_unmask"
    ),
]
