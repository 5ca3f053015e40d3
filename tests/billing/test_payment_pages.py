"""The rep's payment screen: from the visit at the window to the receipt, with 唱收唱付 on the device."""

from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import pgettext

from billing.models import Payment, Receipt
from counter.models import Bill, Visit
from counter.services import businesses
from counter.services import queue as q
from servicecenter.window_display import shown_amounts


@pytest.fixture
def at_window(billing_hall, rep, login, category, make_account, open_till_for):
    """The rep signed on at window 2, serving a customer whose account has two unpaid bills; till open."""
    client = login(rep)
    window = billing_hall.windows.get(number=2)
    assert client.post(f"/halls/{billing_hall.pk}/counter/sign-on/", {"window": window.pk}).status_code == 302
    account = make_account(billing_hall, "30000001", bills=["88.50", "61.20"])
    ticket = q.issue_ticket(hall=billing_hall, category=category("A"))
    client.post(f"/halls/{billing_hall.pk}/counter/act/", {"action": "call_next"})
    client.post(f"/halls/{billing_hall.pk}/counter/act/", {"action": "start", "ticket": ticket.pk})
    visit = Visit.objects.get(ticket=ticket)
    client.post(
        f"/halls/{billing_hall.pk}/counter/act/",
        {"action": "attach", "visit": visit.pk, "account": account.pk},
    )
    open_till_for(rep)
    return client, window, visit, account


def _form(client, hall, visit):
    page = client.get(f"/halls/{hall.pk}/money/pay/?visit={visit.pk}").content.decode()
    key = page.split('name="key" value="')[1].split('"')[0]
    return page, key


def test_the_workspace_offers_the_payment_screen(billing_hall, at_window):
    client, _window, visit, _account = at_window
    page = client.get(f"/halls/{billing_hall.pk}/counter/").content.decode()
    assert f"/halls/{billing_hall.pk}/money/pay/?visit={visit.pk}" in page


def test_rep_takes_a_cash_payment_for_the_bills_and_the_device_shows_the_change(
    billing_hall, at_window, tender
):
    client, window, visit, account = at_window
    page, key = _form(client, billing_hall, visit)
    assert "30000001" in page and "¥88.50" in page
    cash = tender("cash")
    bills = [str(b.pk) for b in account.bills.all()]
    preview = client.post(
        f"/halls/{billing_hall.pk}/money/pay/preview/",
        {
            "visit": visit.pk,
            "account": account.pk,
            "bill": bills,
            f"use_{cash.pk}": "1",
            "cash_tendered": "200",
        },
    ).content.decode()
    assert "¥149.70" in preview and "¥50.30" in preview and "壹佰肆拾玖元柒角" in preview
    assert shown_amounts(window.pk) == {
        "due": Decimal("149.70"),
        "tendered": Decimal("200.00"),
        "change": Decimal("50.30"),
        "paid": False,
    }
    data = {
        "key": key,
        "visit": visit.pk,
        "account": account.pk,
        "bill": bills,
        f"use_{cash.pk}": "1",
        "cash_tendered": "200",
    }
    response = client.post(f"/halls/{billing_hall.pk}/money/pay/", data)
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert response["Location"] == f"/halls/{billing_hall.pk}/money/payments/{payment.pk}/"
    assert (payment.total, payment.change, payment.visit_id) == (
        Decimal("149.70"),
        Decimal("50.30"),
        visit.pk,
    )
    assert set(account.bills.values_list("status", flat=True)) == {Bill.Status.PAID}
    assert shown_amounts(window.pk)["paid"] is True
    # A double click posts the same form again: still one payment, and the rep lands on it.
    again = client.post(f"/halls/{billing_hall.pk}/money/pay/", data)
    assert again["Location"] == response["Location"]
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert "¥50.30" in detail and payment.receipts.get().number in detail
    # The visit now holds the payment as a business done on the spot.
    assert visit.businesses.get().reference == payment.number


def test_the_80mm_receipt_and_its_pdf_copy(billing_hall, at_window, tender):
    client, _window, visit, account = at_window
    _page, key = _form(client, billing_hall, visit)
    cash = tender("cash")
    client.post(
        f"/halls/{billing_hall.pk}/money/pay/",
        {
            "key": key,
            "visit": visit.pk,
            "account": account.pk,
            "bill": [str(account.bills.first().pk)],
            f"use_{cash.pk}": "1",
        },
    )
    payment = Payment.objects.get()
    receipt = client.get(f"/halls/{billing_hall.pk}/money/payments/{payment.pk}/receipt/").content.decode()
    assert payment.receipts.get().number in receipt
    assert "捌拾捌元伍角整" in receipt or "陆拾壹元贰角整" in receipt
    pdf = client.get(f"/halls/{billing_hall.pk}/money/payments/{payment.pk}/receipt.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_refused_payment_keeps_what_was_typed(billing_hall, at_window, tender):
    client, _window, visit, account = at_window
    _page, key = _form(client, billing_hall, visit)
    cash = tender("cash")
    response = client.post(
        f"/halls/{billing_hall.pk}/money/pay/",
        {
            "key": key,
            "visit": visit.pk,
            "account": account.pk,
            "bill": [str(b.pk) for b in account.bills.all()],
            f"use_{cash.pk}": "1",
            "cash_tendered": "100",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="payment-error"' in page
    assert 'value="100"' in page and f'name="key" value="{key}"' in page
    assert Payment.objects.count() == 0


def test_payment_page_queries_do_not_grow_with_the_account(
    billing_hall, at_window, django_assert_max_num_queries
):
    client, _window, visit, account = at_window
    for i in range(30):
        Bill.objects.create(
            account=account, number=f"X{i}", period=f"2025-{i % 12 + 1:02d}", amount=Decimal("10")
        )
    with django_assert_max_num_queries(15):
        page = client.get(f"/halls/{billing_hall.pk}/money/pay/?visit={visit.pk}")
    assert page.status_code == 200


def test_device_at_the_window_shows_due_received_and_change(billing_hall, at_window, tender, supervisor):
    from django.test import Client

    from counter.services import ratings as rating_services

    client, window, visit, account = at_window
    _device, token = rating_services.pair_device(
        hall=billing_hall, window=window, name="评价器", by=supervisor
    )
    tablet = Client()
    tablet.cookies["sc_device"] = token
    assert 'data-testid="device-amounts"' not in tablet.get("/device/screen/").content.decode()
    cash = tender("cash")
    client.post(
        f"/halls/{billing_hall.pk}/money/pay/preview/",
        {
            "visit": visit.pk,
            "account": account.pk,
            "bill": [str(b.pk) for b in account.bills.all()],
            f"use_{cash.pk}": "1",
            "cash_tendered": "200",
        },
    )
    screen = tablet.get("/device/screen/").content.decode()
    assert 'data-testid="device-due">¥149.70' in screen
    assert 'data-testid="device-tendered">¥200.00' in screen
    assert 'data-testid="device-change">¥50.30' in screen
    with translation.override("zh-hans"):
        assert pgettext("cash", "Change") in screen


def test_a_greeter_cannot_take_payments(billing_hall, greeter, login):
    client = login(greeter)
    assert client.get(f"/halls/{billing_hall.pk}/money/pay/").status_code == 403


def test_another_halls_payment_is_not_found(
    billing_hall, other_hall, make_member, login, rep, open_till_for, pay
):
    from servicecenter.roles import Role

    payment = pay(open_till_for(rep), rep, "10")
    stranger = make_member(Role.SUPERVISOR, other_hall)
    client = login(stranger)
    assert client.get(f"/halls/{other_hall.pk}/money/payments/{payment.pk}/").status_code == 404
    assert client.get(f"/halls/{billing_hall.pk}/money/payments/{payment.pk}/").status_code == 404


def test_a_form_left_open_for_the_last_customer_is_refused(
    billing_hall, at_window, tender, rep, business_type
):
    """The customer changed at the window since the form was opened: nothing is booked to the next one."""
    client, _window, visit, account = at_window
    _page, key = _form(client, billing_hall, visit)
    cash = tender("cash")
    stale = {
        "key": key,
        "visit": visit.pk,
        "account": account.pk,
        "bill": [str(b.pk) for b in account.bills.all()],
        f"use_{cash.pk}": "1",
    }
    businesses.record_business(
        visit=visit,
        business_type=business_type("consultation"),
        by=rep,
        data={"topic": "价格", "question": "阶梯气价？", "answer": "已答复"},
    )
    client.post(f"/halls/{billing_hall.pk}/counter/act/", {"action": "end_visit", "visit": visit.pk})
    visit.refresh_from_db()
    assert visit.ended_at is not None
    response = client.post(f"/halls/{billing_hall.pk}/money/pay/", stale)
    assert response.status_code == 400
    assert Payment.objects.count() == 0
    assert set(account.bills.values_list("status", flat=True)) == {Bill.Status.UNPAID}
