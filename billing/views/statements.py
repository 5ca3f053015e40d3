"""The monthly statement's pages (spec §4.6): ask for a month's statement, watch the worker build it, download
the PDF (and the Excel appendix). Files are handed out here only, after the permission check."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.errors import BillingError
from billing.models import Statement
from billing.periods import parse_period
from billing.services import statements as services
from billing.statements import statement_file
from servicecenter.clock import Period, business_day
from servicecenter.scoping import hall_view, has_hall_perm, int_or_404


def _statement(request, statement_id) -> Statement:
    statement = (
        Statement.objects.filter(hall=request.hall, pk=int_or_404(statement_id))
        .select_related("requested_by")
        .first()
    )
    if statement is None:
        raise Http404
    return statement


def _month_text(request) -> str:
    return (request.POST.get("month") or "").strip()


@hall_view("billing.view_statement")
def statement_list(request):
    hall = request.hall
    last_month = Period.of(Period.MONTH, business_day(hall, timezone.now())).previous()
    context = {
        "statements": Statement.objects.filter(hall=hall).select_related("requested_by")[:24],
        "may_build": has_hall_perm(request.user, hall, "billing.build_statement"),
        "default_month": last_month.key,
        "appendix_choices": Statement.Appendix.choices,
        "policy": hall.get_statement_open_days_display(),
    }
    return render(request, "billing/statements/list.html", context)


@require_POST
@hall_view("billing.build_statement")
def statement_start(request):
    try:
        period = parse_period(Period.MONTH, _month_text(request), request.hall, at=timezone.now())
        statement, _created = services.request_statement(
            hall=request.hall, period=period, appendix=request.POST.get("appendix", ""), by=request.user
        )
    except BillingError as error:
        messages.error(request, error.message)
        return redirect("billing_statements", request.hall.pk)
    return redirect("billing_statement", request.hall.pk, statement.pk)


@hall_view("billing.view_statement")
def statement_detail(request, statement_id):
    statement = _statement(request, statement_id)
    return render(request, "billing/statements/detail.html", {"statement": statement})


@hall_view("billing.view_statement")
def statement_progress(request, statement_id):
    """The progress bar alone, polled by the detail page until the statement is finished."""
    statement = _statement(request, statement_id)
    return render(request, "billing/statements/_progress.html", {"statement": statement})


@hall_view("billing.view_statement")
def statement_pdf(request, statement_id):
    statement = _statement(request, statement_id)
    name = f"{request.hall.name}-{_('monthly statement')}-{statement.month:%Y-%m}.pdf"
    return statement_file(statement, "pdf", name)


@hall_view("billing.view_statement")
def statement_appendix(request, statement_id):
    statement = _statement(request, statement_id)
    name = f"{request.hall.name}-{_('transaction appendix')}-{statement.month:%Y-%m}.xlsx"
    return statement_file(statement, "appendix", name)


urlpatterns = [
    path("halls/<int:hall_id>/money/statements/", statement_list, name="billing_statements"),
    path("halls/<int:hall_id>/money/statements/start/", statement_start, name="billing_statement_start"),
    path(
        "halls/<int:hall_id>/money/statements/<int:statement_id>/", statement_detail, name="billing_statement"
    ),
    path(
        "halls/<int:hall_id>/money/statements/<int:statement_id>/progress/",
        statement_progress,
        name="billing_statement_progress",
    ),
    path(
        "halls/<int:hall_id>/money/statements/<int:statement_id>/statement.pdf",
        statement_pdf,
        name="billing_statement_pdf",
    ),
    path(
        "halls/<int:hall_id>/money/statements/<int:statement_id>/appendix.xlsx",
        statement_appendix,
        name="billing_statement_appendix",
    ),
]
