"""The rep's payment screen (spec §4.1): bills, top-ups, products and fees; tenders; 唱收唱付 — the amount
due, the cash handed over and the change in large figures, mirrored live on the customer's device — then
the payment with its receipt, printable at 80 mm and as a PDF copy."""

import uuid
from contextlib import suppress
from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import selectors
from billing.errors import BillingError
from billing.models import FeeItem
from billing.services import payments as services
from billing.services import receipts as receipt_services
from billing.services.common import parse_amount
from billing.views.common import attempt
from counter.selectors import customers as customer_selectors
from counter.selectors import queue as queue_selectors
from servicecenter.money import to_chinese_capital
from servicecenter.scoping import hall_view
from servicecenter.window_display import show_amounts


def _visit_and_account(request):
    """The visit at the rep's window and the account to pay for, and what is wrong with them, if anything.

    On the form's way back (POST) the visit and account it was opened for are authoritative: if the
    customer at the window has changed since, the payment is refused rather than booked to the next one.
    """
    hall = request.hall
    post = queue_selectors.current_post(user=request.user, hall=hall)
    current = queue_selectors.open_visit_at(post.window) if post is not None else None
    if request.method != "POST":
        wanted = request.GET.get("visit")
        visit = current if wanted is None or (current is not None and str(current.pk) == wanted) else None
        if wanted and visit is None:
            messages.warning(request, _("That visit is no longer open at your window."))
        account = visit.account if visit is not None else None
        if account is None and request.GET.get("account"):
            account = customer_selectors.get_account(hall=hall, account_id=request.GET["account"])
        return post, visit, account, ""
    posted_visit, posted_account = request.POST.get("visit", ""), request.POST.get("account", "")
    visit = None
    if posted_visit:
        if current is None or str(current.pk) != posted_visit:
            return (
                post,
                None,
                None,
                _("This form was opened for a visit that has ended: open the payment screen again."),
            )
        visit = current
    account = None
    if posted_account:
        account = customer_selectors.get_account(hall=hall, account_id=posted_account)
        if visit is not None and visit.account_id != account.pk:
            return (
                post,
                visit,
                None,
                _("The customer's account at the window has changed: open the payment screen again."),
            )
    elif visit is not None and visit.account_id is not None:
        return (
            post,
            visit,
            None,
            _("The customer's account at the window has changed: open the payment screen again."),
        )
    return post, visit, account, ""


def _entered(request, hall, account):
    """Lines and tenders as typed on the form: bill checkboxes, quantities, amounts, tender amounts."""
    post = request.POST
    items = {str(i.pk): i for i in selectors.price_list(hall)}
    tenders = {str(t.pk): t for t in selectors.tenders(hall)}
    lines = []
    if account is not None:
        wanted = {v for v in post.getlist("bill") if v.isascii() and v.isdigit() and len(v) <= 12}
        bill_item = next((i for i in items.values() if i.kind == FeeItem.Kind.BILL), None)
        if wanted and bill_item is not None:
            bills = customer_selectors.unpaid_bills(account, ids=wanted)
            lines += [services.LineInput(fee_item=bill_item, bill=b) for b in bills]
    for pk, item in items.items():
        if item.kind == FeeItem.Kind.BILL:
            continue
        if item.price is not None:
            qty = post.get(f"qty_{pk}", "").strip()
            if qty and qty != "0":
                quantity = int(qty) if qty.isascii() and qty.isdigit() and len(qty) <= 3 else -1
                lines.append(services.LineInput(fee_item=item, quantity=quantity))
        else:
            amount = post.get(f"amount_{pk}", "").strip()
            if amount:
                lines.append(services.LineInput(fee_item=item, amount=amount))
    chosen = [
        services.TenderInput(
            tender=t,
            amount=post.get(f"tender_{pk}", "").strip() or None,
            reference=post.get(f"ref_{pk}", "").strip(),
        )
        for pk, t in tenders.items()
        if post.get(f"use_{pk}")
    ]
    return lines, chosen


def _context(request, post, visit, account, **extra):
    hall = request.hall
    data = request.POST if request.method == "POST" else {}
    items = selectors.price_list(hall)
    for item in items:  # what was typed, kept when the form comes back with a message
        item.typed = data.get(f"qty_{item.pk}" if item.price is not None else f"amount_{item.pk}", "")
    tenders = selectors.tenders(hall)
    for tender in tenders:
        tender.used = bool(data.get(f"use_{tender.pk}")) if data else tender.is_cash
        tender.typed = data.get(f"tender_{tender.pk}", "")
        tender.typed_reference = data.get(f"ref_{tender.pk}", "")
    bills = customer_selectors.unpaid_bills(account) if account else []
    ticked = set(data.getlist("bill")) if data else None
    for bill in bills:
        bill.ticked = ticked is None or str(bill.pk) in ticked
    context = {
        "visit": visit,
        "account": account,
        "till": selectors.live_till(request.user, hall),
        "book": selectors.rep_book(request.user, hall),
        "bills": bills,
        "products": [i for i in items if i.kind != FeeItem.Kind.BILL and i.price is not None],
        "open_items": [i for i in items if i.kind != FeeItem.Kind.BILL and i.price is None],
        "tenders": tenders,
        "key": uuid.uuid4().hex,
        "cash_tendered": data.get("cash_tendered", ""),
    }
    context.update(extra)
    return context


@hall_view("billing.take_payment")
def pay(request):
    post, visit, account, problem = _visit_and_account(request)
    if request.method != "POST":
        return render(request, "billing/payments/pay.html", _context(request, post, visit, account))
    hall = request.hall
    till = selectors.live_till(request.user, hall)
    lines, tenders = _entered(request, hall, account)
    try:
        if problem:
            raise BillingError(problem)
        if till is None:
            raise BillingError(_("You have no open till: open one before taking payments."))
        payment = services.record_payment(
            till=till,
            lines=lines,
            tenders=tenders,
            idempotency_key=request.POST.get("key", ""),
            by=request.user,
            account=account,
            visit=visit,
            cash_tendered=request.POST.get("cash_tendered", "").strip() or None,
        )
    except BillingError as error:
        # Everything typed stays on the form, with the same key: a corrected submit is still one payment.
        context = _context(
            request, post, visit, account, error=error.message, key=request.POST.get("key", "")
        )
        return render(request, "billing/payments/pay.html", context, status=400)
    if payment.window_id:
        show_amounts(
            payment.window_id,
            due=payment.total,
            tendered=payment.cash_tendered or None,
            change=payment.change if payment.cash_tendered else None,
            paid=True,
        )
    messages.success(request, _("Payment %(number)s recorded.") % {"number": payment.number})
    return redirect("billing_payment", hall.pk, payment.pk)


@require_POST
@hall_view("billing.take_payment")
def preview(request):
    """The figures as the rep types (htmx): total, cash due, change — mirrored on the customer's device."""
    post, _visit, account, _problem = _visit_and_account(request)
    lines, tenders = _entered(request, request.hall, account)
    figures, error = None, ""
    if lines:
        try:
            plan = services.plan_payment(
                company_id=request.hall.company_id,
                account=account,
                lines=lines,
                tenders=tenders,
                cash_tendered=request.POST.get("cash_tendered", "").strip() or None,
            )
            figures = plan
        except BillingError as refusal:
            error = refusal.message
    total = figures.total if figures else _rough_total(lines)
    window = post.window if post is not None else None
    if window is not None and total:
        show_amounts(
            window.pk,
            due=total,
            tendered=figures.cash_tendered if figures and figures.cash_due else None,
            change=figures.change if figures and figures.cash_due else None,
        )
    return render(
        request,
        "billing/payments/_figures.html",
        {
            "plan": figures,
            "total": total,
            "error": error,
            "words": to_chinese_capital(total) if total else "",
        },
    )


def _rough_total(lines) -> Decimal:
    """While the form is incomplete (no tender yet), the total of what can already be priced."""
    total = Decimal("0.00")
    for line in lines:
        if line.bill is not None:
            total += line.bill.amount
        elif line.fee_item.price is not None and isinstance(line.quantity, int) and 0 < line.quantity < 1000:
            total += line.fee_item.price * line.quantity
        else:
            with suppress(BillingError):
                total += parse_amount(line.amount, label="")
    return total


@hall_view()
def payment_detail(request, payment_id):
    payment = selectors.get_payment(request.user, request.hall, payment_id)
    context = selectors.payment_for_receipt(payment)
    context.update(words=to_chinese_capital(payment.total), is_mine=payment.rep_id == request.user.pk)
    return render(request, "billing/payments/detail.html", context)


@require_POST
@hall_view("billing.take_payment")
def card_write(request, payment_id):
    payment = selectors.get_payment(request.user, request.hall, payment_id)
    written = request.POST.get("written") == "1"
    attempt(
        request,
        lambda: services.confirm_card_write(
            payment=payment, written=written, note=request.POST.get("note", ""), by=request.user
        ),
        _("Card write confirmed.")
        if written
        else _("Card write failure recorded: the auditor will follow it up."),
    )
    return redirect("billing_payment", request.hall.pk, payment.pk)


def _receipt_context(request, payment_id) -> dict:
    payment = selectors.get_payment(request.user, request.hall, payment_id)
    context = selectors.payment_for_receipt(payment)
    if context["receipt"] is None:
        raise Http404
    context.update(words=to_chinese_capital(payment.total), hall=request.hall, reprint=True)
    return context


@hall_view()
def receipt_print(request, payment_id):
    """The 80 mm receipt. The rep's first print (POST) is the original; every other view is marked as a
    copy — reprints for the customer are logged with their reason (billing_reprint) and print as copies."""
    context = _receipt_context(request, payment_id)
    if request.method == "POST":
        try:
            original = receipt_services.record_print(receipt=context["receipt"], by=request.user)
        except BillingError as error:
            messages.error(request, error.message)
            return redirect("billing_payment", request.hall.pk, context["payment"].pk)
        if not original:
            messages.warning(
                request, _("This receipt was already printed: print a copy with its reason (Reprint).")
            )
            return redirect("billing_payment", request.hall.pk, context["payment"].pk)
        context["reprint"] = False
    return render(request, "billing/receipt/print.html", context)


@hall_view()
def receipt_pdf(request, payment_id):
    """The same receipt as a PDF copy (WeasyPrint, Chinese fonts embedded)."""
    from weasyprint import HTML

    context = _receipt_context(request, payment_id)
    context["pdf"] = True
    html = render_to_string("billing/receipt/print.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{context["receipt"].number}.pdf"'
    return response


urlpatterns = [
    path("halls/<int:hall_id>/money/pay/", pay, name="billing_pay"),
    path("halls/<int:hall_id>/money/pay/preview/", preview, name="billing_pay_preview"),
    path("halls/<int:hall_id>/money/payments/<int:payment_id>/", payment_detail, name="billing_payment"),
    path("halls/<int:hall_id>/money/payments/<int:payment_id>/card/", card_write, name="billing_card_write"),
    path(
        "halls/<int:hall_id>/money/payments/<int:payment_id>/receipt/", receipt_print, name="billing_receipt"
    ),
    path(
        "halls/<int:hall_id>/money/payments/<int:payment_id>/receipt.pdf",
        receipt_pdf,
        name="billing_receipt_pdf",
    ),
]
