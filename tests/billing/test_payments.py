"""Taking payments: bills settled, tenders and change, receipts, idempotency, refusals that change nothing.

Every test runs twice: with payments read and written set-based (PostgreSQL's path) and through the ORM (the
portable path `make run` uses on SQLite), so the two accept and refuse alike.
"""

import uuid
from decimal import Decimal

import pytest

from billing.errors import BillingError
from billing.models import Payment, PaymentLine, Receipt, ReceiptBook
from billing.services import payments, tills
from counter.models import Bill
from tests.billing.conftest import MORNING


@pytest.fixture(autouse=True, params=["set-based", "orm"])
def writer(request, settings):
    settings.BILLING_SET_BASED_PAYMENTS = request.param == "set-based"
    return request.param


@pytest.fixture
def till(rep, open_till_for):
    return open_till_for(rep)


def _counts():
    return Payment.objects.count(), PaymentLine.objects.count(), Receipt.objects.count()


def test_paying_bills_settles_them_and_gives_change(till, rep, make_account, billing_hall, pay):
    account = make_account(billing_hall, "2000001", bills=["88.50", "61.20"])
    bills = list(account.bills.order_by("number"))
    payment = pay(till, rep, bills=bills, account=account, cash="200")
    assert payment.total == Decimal("149.70")
    assert payment.cash_tendered == Decimal("200.00")
    assert payment.change == Decimal("50.30")
    assert set(Bill.objects.filter(account=account).values_list("status", flat=True)) == {"paid"}
    assert Bill.objects.filter(settled_reference=payment.number).count() == 2
    receipt = payment.receipts.get()
    assert receipt.number == "A00001001"
    assert receipt.status == Receipt.Status.ISSUED


def test_receipt_numbers_follow_the_book_in_order(till, rep, pay):
    numbers = [pay(till, rep, "10").receipts.get().number for _ in range(3)]
    assert numbers == ["A00001001", "A00001002", "A00001003"]


def test_the_same_key_twice_records_one_payment(till, rep, pay):
    first = pay(till, rep, "10", key="double-click-1")
    again = pay(till, rep, "10", key="double-click-1")
    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    assert Receipt.objects.count() == 1
    # The repeat left nothing behind: the next payment is the till's second, on the next receipt.
    second = pay(till, rep, "11")
    assert second.number == f"{till.number}-0002"
    assert second.receipts.get().sequence == first.receipts.get().sequence + 1


def test_split_tenders_must_add_up(till, rep, fee, tender, make_account, billing_hall):
    account = make_account(billing_hall, "2000009")
    with pytest.raises(BillingError, match="add up"):
        payments.record_payment(
            till=till,
            by=rep,
            idempotency_key=uuid.uuid4().hex,
            at=MORNING,
            account=account,
            lines=[payments.LineInput(fee_item=fee("installation"), amount="300")],
            tenders=[
                payments.TenderInput(tender=tender("cash"), amount="100"),
                payments.TenderInput(tender=tender("card"), amount="150"),
            ],
        )
    payment = payments.record_payment(
        till=till,
        by=rep,
        idempotency_key=uuid.uuid4().hex,
        at=MORNING,
        account=account,
        lines=[payments.LineInput(fee_item=fee("installation"), amount="300")],
        tenders=[
            payments.TenderInput(tender=tender("cash"), amount="100"),
            payments.TenderInput(tender=tender("wechat"), amount="200", reference="4200001234202611230001"),
        ],
        cash_tendered="100",
    )
    assert sorted(payment.tenders.values_list("amount", flat=True)) == [Decimal("100.00"), Decimal("200.00")]


def test_qr_payment_needs_its_transaction_reference_once(till, rep, pay):
    with pytest.raises(BillingError, match="reference"):
        pay(till, rep, "50", tender_code="alipay")
    pay(till, rep, "50", tender_code="alipay", reference="2026112322001")
    with pytest.raises(BillingError, match="already used"):
        pay(till, rep, "60", tender_code="alipay", reference="2026112322001")
    assert Payment.objects.count() == 1


def test_vas_products_take_their_list_price(till, rep, pay):
    payment = pay(till, rep, item="alarm", quantity=2, cash="600")
    assert payment.total == Decimal("596.00")
    assert payment.change == Decimal("4.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "more than zero"),
        ("-5", "more than zero"),
        ("12.345", "2 decimals"),
        ("abc", "not an amount"),
        ("1e9", "not taken at a counter"),
        ("99999999999999999999", "not taken at a counter"),
        ("NaN", "not an amount"),
        ("", "enter an amount"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_changes(till, rep, pay, amount, message):
    before = _counts()
    with pytest.raises(BillingError, match=message):
        pay(till, rep, amount)
    assert _counts() == before
    assert ReceiptBook.objects.get(holder=rep).next_number == 1001


def test_cash_handed_over_must_cover_the_cash_due(till, rep, pay):
    with pytest.raises(BillingError, match="less than"):
        pay(till, rep, "100", cash="50")
    assert _counts() == (0, 0, 0)


def test_closed_account_takes_no_payment(till, rep, pay, make_account, billing_hall):
    account = make_account(billing_hall, "2000002")
    account.status = account.Status.CLOSED
    account.save()
    with pytest.raises(BillingError, match="closed"):
        pay(till, rep, "30", account=account)


def test_payment_into_a_colleague_or_closed_till_is_refused(
    till, rep, make_member, billing_hall, pay, open_till_for
):
    from servicecenter.roles import Role

    colleague = make_member(Role.REP, billing_hall, username="colleague")
    with pytest.raises(BillingError, match="colleague"):
        pay(till, colleague, "10")
    tills.close_till(till=till, by=rep, denominations={"100.00": 5}, settlements={}, at=MORNING)
    with pytest.raises(BillingError, match="not open"):
        pay(till, rep, "10")
    assert Payment.objects.count() == 0


def test_without_a_receipt_book_no_payment(rep, open_till_for, pay):
    till = open_till_for(rep, book=False)
    with pytest.raises(BillingError, match="receipt book"):
        pay(till, rep, "10")
    assert _counts() == (0, 0, 0)


def test_a_paid_bill_cannot_be_paid_again(till, rep, pay, make_account, billing_hall):
    account = make_account(billing_hall, "2000003", bills=["40"])
    bill = account.bills.get()
    pay(till, rep, bills=[bill], account=account)
    bill.refresh_from_db()
    with pytest.raises(BillingError, match="already paid"):
        pay(till, rep, bills=[bill], account=account)


def test_void_needs_a_supervisor_and_voids_receipt_and_bills(
    till, rep, supervisor, pay, make_account, billing_hall
):
    account = make_account(billing_hall, "2000004", bills=["75"])
    payment = pay(till, rep, bills=[account.bills.get()], account=account)
    payments.request_void(payment=payment, reason="顾客改用微信支付", by=rep, at=MORNING)
    with pytest.raises(BillingError, match="does not allow"):
        payments.decide_void(payment=payment, approve=True, by=rep, at=MORNING)
    payments.decide_void(payment=payment, approve=True, by=supervisor, at=MORNING)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.VOIDED
    receipt = payment.receipts.get()
    assert receipt.status == Receipt.Status.VOIDED and receipt.void_reason == "顾客改用微信支付"
    assert account.bills.get().status == Bill.Status.UNPAID


def test_money_records_refuse_delete(till, rep, pay):
    payment = pay(till, rep, "10")
    for record in (payment, payment.receipts.get(), till, payment.lines.get(), payment.tenders.get()):
        with pytest.raises(BillingError):
            record.delete()
    assert Payment.objects.count() == 1


def test_history_keeps_the_acting_user(till, rep, pay):
    payment = pay(till, rep, "10")
    assert payment.history.get().history_user == rep
    assert payment.receipts.get().history.get().history_user == rep
    assert payment.lines.get().history.get().history_user == rep
    assert till.history.latest().history_user == rep


def test_prepaid_top_up_waits_for_card_write_confirmation(till, rep, pay, make_account, billing_hall):
    account = make_account(billing_hall, "2000005", meter_type="ic_card")
    payment = pay(till, rep, "200", item="prepaid_gas", account=account)
    assert payment.card_write == Payment.CardWrite.PENDING
    payments.confirm_card_write(payment=payment, written=False, note="读卡器报错", by=rep, at=MORNING)
    payment.refresh_from_db()
    assert payment.card_write == Payment.CardWrite.FAILED
    payments.confirm_card_write(payment=payment, written=True, by=rep, at=MORNING)
    payment.refresh_from_db()
    assert payment.card_write == Payment.CardWrite.CONFIRMED


def test_prepaid_top_up_needs_the_account(till, rep, fee, tender):
    with pytest.raises(BillingError, match="gas account"):
        payments.record_payment(
            till=till,
            by=rep,
            idempotency_key=uuid.uuid4().hex,
            at=MORNING,
            lines=[payments.LineInput(fee_item=fee("prepaid_gas"), amount="200")],
            tenders=[payments.TenderInput(tender=tender("cash"))],
        )


def test_a_voided_number_is_never_used_again(till, rep, pay):
    from django.db import IntegrityError, transaction

    from billing.services import receipts

    spoiled = receipts.spoil_receipt(hall=till.hall, reason="打印卡纸", by=rep, at=MORNING)
    payment = pay(till, rep, "10")
    assert payment.receipts.get().sequence == spoiled.sequence + 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.create(
            hall=till.hall,
            business_day=spoiled.business_day,
            book=spoiled.book,
            sequence=spoiled.sequence,
            number=spoiled.number + "X",
            issued_at=MORNING,
            issued_by=rep,
        )
    spoiled.refresh_from_db()
    assert spoiled.status == Receipt.Status.VOIDED and spoiled.payment_id is None


def test_the_register_of_a_book_always_adds_up(till, rep, pay, billing_hall):
    from billing import selectors
    from billing.services import receipts

    for _ in range(3):
        pay(till, rep, "10")
    receipts.spoil_receipt(hall=billing_hall, reason="卡纸", by=rep, at=MORNING)
    book = selectors.books(billing_hall).get(holder=rep)
    assert (book.issued_count, book.voided_count, book.unused) == (3, 1, 96)
    assert book.issued_count + book.voided_count + book.unused == book.size


def test_open_work_survives_closing_the_till(
    till, rep, pay, make_account, billing_hall, category, business_type
):
    """A business in progress stays in progress, and a payment entered after the count is refused with its
    message — nothing lost, nothing half-written."""
    from counter.models import Business
    from counter.services import businesses, queue, visits

    window = billing_hall.windows.get(number=1)
    queue.open_post(hall=billing_hall, window=window, user=rep, at=MORNING)
    ticket = queue.issue_ticket(hall=billing_hall, category=category("A"), at=MORNING)
    queue.call_next(user=rep, hall=billing_hall, at=MORNING)
    visit = visits.start_visit(user=rep, hall=billing_hall, ticket_id=ticket.pk, at=MORNING)
    account = make_account(billing_hall, "2000010", bills=["30"])
    visit = visits.attach_account(user=rep, hall=billing_hall, visit_id=visit.pk, account=account)
    repair = businesses.record_business(
        visit=visit,
        business_type=business_type("repair"),
        by=rep,
        at=MORNING,
        data={"fault": "灶具打不着火", "contact_phone": "13812345678"},
    )
    tills.close_till(till=till, by=rep, denominations={"100.00": 5}, settlements={}, at=MORNING)
    with pytest.raises(BillingError, match="not open"):
        pay(till, rep, "30", account=account)
    repair.refresh_from_db()
    assert repair.status != Business.Status.COMPLETED
    assert Payment.objects.count() == 0 and account.bills.get().status == Bill.Status.UNPAID
