"""Corrections (spec §4.2, §4.5): same-day voids and their approval, reversals requested by one person and
approved by another, and the rep's receipt actions — reissue, reprint, a spoiled form voided."""

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing import selectors
from billing.errors import BillingError
from billing.models import Receipt
from billing.services import days as day_services
from billing.services import payments as payment_services
from billing.services import receipts as receipt_services
from billing.views.common import attempt
from counter.forms import StyledForm
from servicecenter.scoping import hall_view, has_hall_perm

REVERSALS_SHOWN = 50
DECISIONS = {"approve": True, "refuse": False}


# --- Forms -------------------------------------------------------------------------------------------


class ReasonForm(forms.Form):
    # No max_length: the services keep the first 200 characters of a long reason.
    reason = forms.CharField(label=gettext_lazy("Reason"))


class ReversalRequestForm(StyledForm):
    payment = forms.CharField(
        label=gettext_lazy("Payment"),
        max_length=30,
        help_text=gettext_lazy("The payment number, e.g. 20261123-01-0003."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


def _find_payment(request, text: str):
    """The hall's payment by its number (or its id), among those the user may see; None if there is none."""
    text = text.strip()
    match = Q(number=text)
    if text.isascii() and text.isdigit() and len(text) <= 12:
        match |= Q(pk=int(text))
    return selectors.payments_for_user(request.user, request.hall).filter(match).order_by("pk").first()


# --- The corrections page --------------------------------------------------------------------------------


def _render_corrections(request, *, reversal_form=None, status=200):
    hall, user = request.hall, request.user
    may_request = has_hall_perm(user, hall, "billing.request_reversal")
    if reversal_form is None and may_request:
        reversal_form = ReversalRequestForm(initial={"payment": request.GET.get("payment", "")[:30]})
    context = {
        "voids": selectors.pending_voids(hall),
        "reversals": list(selectors.reversals(hall).order_by("-requested_at", "-pk")[:REVERSALS_SHOWN]),
        "reversals_shown": REVERSALS_SHOWN,
        "may_decide_voids": has_hall_perm(user, hall, "billing.approve_payment_void"),
        "may_decide_reversals": has_hall_perm(user, hall, "billing.approve_reversal"),
        "may_request": may_request,
        "reversal_form": reversal_form,
    }
    return render(request, "billing/corrections/corrections.html", context, status=status)


@hall_view("billing.view_reversal")
def corrections(request):
    return _render_corrections(request)


def _decision(request) -> bool | None:
    return DECISIONS.get(request.POST.get("decision", ""))


@require_POST
@hall_view("billing.approve_payment_void")
def decide_void(request, payment_id: int):
    payment = selectors.get_payment(request.user, request.hall, payment_id)
    approve = _decision(request)
    if approve is None:
        return HttpResponseBadRequest()
    success = (
        _("Payment %(number)s is voided, and its receipt with it.")
        if approve
        else _("The void of payment %(number)s is refused: the payment stands.")
    )
    attempt(
        request,
        lambda: payment_services.decide_void(payment=payment, approve=approve, by=request.user),
        success % {"number": payment.number},
    )
    return redirect("billing_corrections", hall_id=request.hall.pk)


@require_POST
@hall_view("billing.approve_reversal")
def decide_reversal(request, reversal_id: int):
    reversal = selectors.get_reversal(request.hall, reversal_id)
    approve = _decision(request)
    if approve is None:
        return HttpResponseBadRequest()
    success = (
        _("The reversal of payment %(number)s is approved.")
        if approve
        else _("The reversal of payment %(number)s is rejected.")
    )
    attempt(
        request,
        lambda: day_services.decide_reversal(reversal=reversal, approve=approve, by=request.user),
        success % {"number": reversal.payment.number},
    )
    return redirect("billing_corrections", hall_id=request.hall.pk)


@require_POST
@hall_view("billing.request_reversal")
def request_reversal(request):
    form = ReversalRequestForm(request.POST)
    if form.is_valid():
        payment = _find_payment(request, form.cleaned_data["payment"])
        if payment is None:
            form.add_error("payment", _("No payment of this hall has this number."))
        else:
            try:
                day_services.request_reversal(
                    payment=payment, reason=form.cleaned_data["reason"], by=request.user
                )
            except BillingError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("The reversal of payment %(number)s is requested: another person approves it.")
                    % {"number": payment.number},
                )
                return redirect("billing_corrections", hall_id=request.hall.pk)
    return _render_corrections(request, reversal_form=form, status=400)


# --- The rep's actions on a payment and its receipt --------------------------------------------------


def _payment_action(request, payment_id: int, action, success: str):
    """Run one service on the rep's payment with the posted reason; back to the payment either way."""
    payment = selectors.get_payment(request.user, request.hall, payment_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason."))
    else:
        try:
            result = action(payment, form.cleaned_data["reason"])
        except BillingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, success % {"number": payment.number, "receipt": result})
    return redirect(reverse("billing_payment", kwargs={"hall_id": request.hall.pk, "payment_id": payment.pk}))


@require_POST
@hall_view("billing.take_payment")
def request_void(request, payment_id: int):
    return _payment_action(
        request,
        payment_id,
        lambda payment, reason: payment_services.request_void(
            payment=payment, reason=reason, by=request.user
        ),
        _("The void of payment %(number)s is requested: a supervisor approves it."),
    )


@require_POST
@hall_view("billing.take_payment")
def reissue_receipt(request, payment_id: int):
    return _payment_action(
        request,
        payment_id,
        lambda payment, reason: receipt_services.reissue_receipt(
            payment=payment, reason=reason, by=request.user
        ),
        _("The old receipt is voided; payment %(number)s now has receipt %(receipt)s."),
    )


def _receipt_to_reprint(payment) -> Receipt:
    """The payment's valid receipt; if it has none, its latest (the service says why it is not reprinted)."""
    receipts = sorted(payment.receipts.all(), key=lambda r: (r.status != Receipt.Status.ISSUED, -r.pk))
    if not receipts:
        raise Http404
    return receipts[0]


@require_POST
@hall_view("billing.take_payment")
def reprint_receipt(request, payment_id: int):
    return _payment_action(
        request,
        payment_id,
        lambda payment, reason: (
            receipt_services.log_reprint(
                receipt=_receipt_to_reprint(payment), reason=reason, by=request.user
            ).receipt
        ),
        _("Receipt %(receipt)s is printed again; the copy is marked as a reprint."),
    )


@require_POST
@hall_view("billing.take_payment")
def spoil_receipt(request):
    """A spoiled (jammed, misprinted) form: the next number of the rep's book is voided with the reason."""
    hall = request.hall
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason."))
    else:
        try:
            receipt = receipt_services.spoil_receipt(
                hall=hall, reason=form.cleaned_data["reason"], by=request.user
            )
        except BillingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Receipt %(number)s is voided as spoiled: %(reason)s")
                % {"number": receipt.number, "reason": receipt.void_reason},
            )
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    if has_hall_perm(request.user, hall, "billing.view_receiptbook"):
        return redirect("billing_books", hall_id=hall.pk)
    return redirect("home")


urlpatterns = [
    path("halls/<int:hall_id>/money/corrections/", corrections, name="billing_corrections"),
    path(
        "halls/<int:hall_id>/money/corrections/voids/<int:payment_id>/decide/",
        decide_void,
        name="billing_decide_void",
    ),
    path(
        "halls/<int:hall_id>/money/corrections/reversals/request/",
        request_reversal,
        name="billing_request_reversal",
    ),
    path(
        "halls/<int:hall_id>/money/corrections/reversals/<int:reversal_id>/decide/",
        decide_reversal,
        name="billing_decide_reversal",
    ),
    path(
        "halls/<int:hall_id>/money/payments/<int:payment_id>/void/", request_void, name="billing_request_void"
    ),
    path(
        "halls/<int:hall_id>/money/payments/<int:payment_id>/reissue/",
        reissue_receipt,
        name="billing_reissue_receipt",
    ),
    path(
        "halls/<int:hall_id>/money/payments/<int:payment_id>/reprint/",
        reprint_receipt,
        name="billing_reprint",
    ),
    path("halls/<int:hall_id>/money/receipts/spoil/", spoil_receipt, name="billing_spoil_receipt"),
]
