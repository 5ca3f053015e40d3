"""Corrections pages (spec §4.2, §4.5): voids approved by a supervisor, reversals approved by a second person,
the rep's reissue, reprint and spoiled form; readers see them and change nothing."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from billing.models import Payment, Receipt, ReceiptReprint, Reversal
from billing.services import days, payments, receipts, tills
from servicecenter.roles import Role

pytestmark = pytest.mark.django_db


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return gettext(text)


def url(name: str, hall, **kwargs) -> str:
    return reverse(name, kwargs={"hall_id": hall.pk, **kwargs})


def said(response) -> list[str]:
    """The messages a (not followed) redirect leaves for the next page."""
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def till(rep, open_till_for, now):
    return open_till_for(rep, at=now)


@pytest.fixture
def earlier_payment(make_member, billing_hall, open_till_for, pay, now):
    """A payment of an earlier business day (another rep's, whose till was left open): corrected by a
    reversal, not a void."""
    earlier = now - timedelta(days=3)
    colleague = make_member(Role.REP, billing_hall, last_name="赵", first_name="敏")
    return pay(open_till_for(colleague, at=earlier), colleague, "120.00", at=earlier)


# --- Voids -------------------------------------------------------------------------------------------


def test_a_rep_asks_for_a_void_and_the_supervisor_approves_it(
    billing_hall, rep, supervisor, till, pay, login, now
):
    payment = pay(till, rep, "88.00", at=now)
    receipt = payment.receipts.get()
    counter = login(rep, Client())
    response = counter.post(
        url("billing_request_void", billing_hall, payment_id=payment.pk), {"reason": "顾客改用微信支付"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("billing_payment", billing_hall, payment_id=payment.pk)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.VOID_REQUESTED

    office = login(supervisor, Client())
    page = office.get(url("billing_corrections", billing_hall)).content.decode()
    assert f'data-testid="void-row" data-payment="{payment.number}"' in page
    assert "顾客改用微信支付" in page and "¥88.00" in page and 'data-testid="void-approve"' in page
    response = office.post(
        url("billing_decide_void", billing_hall, payment_id=payment.pk), {"decision": "approve"}
    )
    assert response.status_code == 302 and response["Location"] == url("billing_corrections", billing_hall)
    payment.refresh_from_db()
    receipt.refresh_from_db()
    assert (payment.status, payment.voided_by) == (Payment.Status.VOIDED, supervisor)
    assert (receipt.status, receipt.void_reason) == (Receipt.Status.VOIDED, "顾客改用微信支付")
    page = office.get(url("billing_corrections", billing_hall)).content.decode()
    assert 'data-testid="void-row"' not in page


def test_the_supervisor_refuses_a_void_and_the_payment_stands(
    billing_hall, rep, supervisor, till, pay, login, now
):
    payment = pay(till, rep, "30.00", at=now)
    payments.request_void(payment=payment, reason="点错了", by=rep, at=now)
    office = login(supervisor, Client())
    office.post(url("billing_decide_void", billing_hall, payment_id=payment.pk), {"decision": "refuse"})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED
    assert payment.receipts.get().status == Receipt.Status.ISSUED


def test_a_void_without_a_reason_changes_nothing(billing_hall, rep, till, pay, login, now):
    payment = pay(till, rep, "30.00", at=now)
    response = login(rep, Client()).post(
        url("billing_request_void", billing_hall, payment_id=payment.pk), {"reason": " "}
    )
    assert response.status_code == 302
    assert said(response) == [zh("Give the reason.")]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED


def test_a_rep_cannot_touch_a_colleagues_payment(billing_hall, rep, make_member, till, pay, login, now):
    payment = pay(till, rep, "30.00", at=now)
    colleague = login(make_member(Role.REP, billing_hall), Client())
    for name in ("billing_request_void", "billing_reissue_receipt", "billing_reprint"):
        response = colleague.post(url(name, billing_hall, payment_id=payment.pk), {"reason": "试试看"})
        assert response.status_code == 404
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED and payment.receipts.count() == 1


# --- Reversals -----------------------------------------------------------------------------------------


def test_a_reversal_requested_by_the_auditor_is_approved_by_the_supervisor(
    billing_hall, auditor, supervisor, earlier_payment, login
):
    office = login(auditor, Client())
    page = office.get(url("billing_corrections", billing_hall)).content.decode()
    assert 'data-testid="reversal-form"' in page and 'data-testid="reversal-approve"' not in page
    response = office.post(
        url("billing_request_reversal", billing_hall),
        {"payment": earlier_payment.number, "reason": "重复收费，退回顾客"},
    )
    assert response.status_code == 302
    reversal = Reversal.objects.get(payment=earlier_payment)
    assert (reversal.state, reversal.requested_by, reversal.amount) == (
        "requested",
        auditor,
        earlier_payment.total,
    )

    boss = login(supervisor, Client())
    page = boss.get(url("billing_corrections", billing_hall)).content.decode()
    assert (
        f'data-testid="reversal-row" data-payment="{earlier_payment.number}" data-state="requested"' in page
    )
    assert "重复收费，退回顾客" in page and "¥120.00" in page
    boss.post(url("billing_decide_reversal", billing_hall, reversal_id=reversal.pk), {"decision": "approve"})
    reversal.refresh_from_db()
    assert (reversal.state, reversal.decided_by) == (Reversal.State.APPROVED, supervisor)
    page = boss.get(url("billing_corrections", billing_hall)).content.decode()
    assert 'data-state="approved"' in page and 'data-testid="reversal-approve"' not in page
    earlier_payment.refresh_from_db()
    assert earlier_payment.status == Payment.Status.COMPLETED  # the original stays as it was


def test_nobody_approves_their_own_reversal(billing_hall, supervisor, earlier_payment, login):
    boss = login(supervisor, Client())
    boss.post(
        url("billing_request_reversal", billing_hall),
        {"payment": str(earlier_payment.pk), "reason": "金额录错，冲正"},
    )
    reversal = Reversal.objects.get(payment=earlier_payment)
    response = boss.post(
        url("billing_decide_reversal", billing_hall, reversal_id=reversal.pk),
        {"decision": "approve"},
        follow=True,
    )
    assert escape(zh("Someone else must approve a reversal you asked for.")) in response.content.decode()
    reversal.refresh_from_db()
    assert (reversal.state, reversal.decided_by) == (Reversal.State.REQUESTED, None)


def test_a_refused_reversal_request_shows_why(billing_hall, auditor, rep, till, pay, login, now):
    payment = pay(till, rep, "50.00", at=now)
    office = login(auditor, Client())
    response = office.post(
        url("billing_request_reversal", billing_hall), {"payment": payment.number, "reason": "收错了钱"}
    )
    assert response.status_code == 400
    expected = zh("The till of this payment is still open: void the payment instead.")
    assert escape(expected) in response.content.decode()
    response = office.post(
        url("billing_request_reversal", billing_hall), {"payment": "20990101-01-0001", "reason": "收错了钱"}
    )
    assert response.status_code == 400 and 'data-testid="reversal-field-error"' in response.content.decode()
    assert not Reversal.objects.exists()


def test_another_halls_payment_is_not_found(
    billing_hall, other_hall, auditor, supervisor, make_member, login, pay, now
):
    other_rep = make_member(Role.REP, other_hall)
    other_auditor = make_member(Role.AUDITOR, other_hall)
    book = receipts.receive_book(hall=other_hall, prefix="Z", first_number=1, last_number=9, by=other_auditor)
    receipts.issue_book(book=book, to=other_rep, by=other_auditor)
    earlier = now - timedelta(days=2)
    till = tills.open_till(
        till=tills.issue_float(hall=other_hall, rep=other_rep, amount="0", by=other_auditor, at=earlier),
        by=other_rep,
        at=earlier,
    )
    theirs = pay(till, other_rep, "10.00", at=earlier)
    office = login(auditor, Client())
    response = office.post(
        url("billing_request_reversal", billing_hall), {"payment": theirs.number, "reason": "别的大厅的"}
    )
    assert response.status_code == 400
    boss = login(supervisor, Client())
    decide = url("billing_decide_void", billing_hall, payment_id=theirs.pk)
    assert boss.post(decide, {"decision": "approve"}).status_code == 404
    assert not Reversal.objects.exists()


# --- Readers ---------------------------------------------------------------------------------------------


def test_a_finance_auditor_reads_corrections_but_cannot_act(
    billing_hall, rep, auditor, make_member, till, pay, earlier_payment, login, now
):
    to_void = pay(till, rep, "20.00", at=now)
    payments.request_void(payment=to_void, reason="重复点击", by=rep, at=now)
    reversal = days.request_reversal(payment=earlier_payment, reason="金额有误，冲正", by=auditor)
    reader = login(make_member(Role.FINANCE_AUDITOR, billing_hall), Client())
    page = reader.get(url("billing_corrections", billing_hall)).content.decode()
    assert f'data-payment="{to_void.number}"' in page and f'data-payment="{earlier_payment.number}"' in page
    for testid in ("void-approve", "void-refuse", "reversal-approve", "reversal-reject", "reversal-form"):
        assert f'data-testid="{testid}"' not in page
    approve = {"decision": "approve"}
    assert (
        reader.post(url("billing_decide_void", billing_hall, payment_id=to_void.pk), approve).status_code
        == 403
    )
    assert (
        reader.post(
            url("billing_decide_reversal", billing_hall, reversal_id=reversal.pk), approve
        ).status_code
        == 403
    )
    response = reader.post(
        url("billing_request_reversal", billing_hall), {"payment": to_void.number, "reason": "我来冲正"}
    )
    assert response.status_code == 403
    to_void.refresh_from_db()
    reversal.refresh_from_db()
    assert to_void.status == Payment.Status.VOID_REQUESTED
    assert reversal.state == Reversal.State.REQUESTED and Reversal.objects.count() == 1


def test_a_rep_does_not_reach_the_corrections_page(billing_hall, rep, login):
    assert login(rep, Client()).get(url("billing_corrections", billing_hall)).status_code == 403


# --- The rep's receipt actions ----------------------------------------------------------------------------


def test_a_rep_reissues_and_reprints_a_receipt(billing_hall, rep, till, pay, login, now):
    payment = pay(till, rep, "66.00", at=now)
    first = payment.receipts.get()
    counter = login(rep, Client())
    response = counter.post(
        url("billing_reissue_receipt", billing_hall, payment_id=payment.pk), {"reason": "打印模糊"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("billing_payment", billing_hall, payment_id=payment.pk)
    first.refresh_from_db()
    second = payment.receipts.get(status=Receipt.Status.ISSUED)
    assert (first.status, first.void_reason) == (Receipt.Status.VOIDED, "打印模糊")
    assert second.sequence == first.sequence + 1
    response = counter.post(
        url("billing_reprint", billing_hall, payment_id=payment.pk), {"reason": "顾客遗失"}
    )
    assert response.status_code == 302
    reprint = ReceiptReprint.objects.get()
    assert (reprint.receipt, reprint.by, reprint.reason) == (second, rep, "顾客遗失")


def test_a_spoiled_form_returns_to_a_safe_page_only(billing_hall, rep, auditor, book_for, till, login):
    counter = login(rep, Client())
    spoil = url("billing_spoil_receipt", billing_hall)
    response = counter.post(spoil, {"reason": "卡纸", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    response = counter.post(spoil, {"reason": "x"})
    assert response["Location"] == reverse("home")
    assert said(response)[-1] == zh("Give the reason.")  # after the first spoil's message, not yet shown
    assert list(Receipt.objects.values_list("status", "void_reason")) == [("voided", "卡纸")]
    assert counter.get(spoil).status_code == 405

    book_for(auditor)
    response = login(auditor, Client()).post(spoil, {"reason": "墨盒没墨"})
    assert response["Location"] == url("billing_books", billing_hall)
    assert Receipt.objects.filter(issued_by=auditor, void_reason="墨盒没墨").exists()


# --- Query counts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 6])
def test_the_corrections_page_queries_do_not_grow(
    n, billing_hall, rep, auditor, supervisor, open_till_for, pay, login, now, django_assert_max_num_queries
):
    till = open_till_for(rep, at=now)
    for _ in range(n):
        payments.request_void(payment=pay(till, rep, "10.00", at=now), reason="重复", by=rep, at=now)
    earlier = now - timedelta(days=3)
    old_till = open_till_for(auditor, at=earlier)
    for i in range(n):
        reversal = days.request_reversal(
            payment=pay(old_till, auditor, "9.00", at=earlier), reason="冲正测试", by=auditor
        )
        if i % 2:
            days.decide_reversal(reversal=reversal, approve=True, by=supervisor)
    office = login(supervisor, Client())
    office.get(url("billing_corrections", billing_hall))
    with django_assert_max_num_queries(5):
        page = office.get(url("billing_corrections", billing_hall)).content.decode()
    assert page.count('data-testid="void-row"') == n
    assert page.count('data-testid="reversal-row"') == n
    assert page.count('data-testid="reversal-approve"') == n - n // 2
