"""The billing API drives the same services as the pages: payments (idempotent), tills from float to
verification, receipt stock, the day's approval and deposit, voids and reversals — scoped to the user's halls
and role, with 4xx answers that carry a message and change nothing."""

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from billing.models import DailyReport, HallDay, Payment, PaymentLine, Receipt, ReceiptBook, Reversal, Till
from billing.services import days, tills
from servicecenter.clock import business_day
from servicecenter.roles import Role


@pytest.fixture
def api(login):
    """api(user) -> a client of its own, signed in as that user, answered in English (the messages are
    matched on their source text; Chinese is the default for everyone else)."""

    def make(user):
        client = login(user, Client())
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def url(hall, path):
    return f"/api/v1/halls/{hall.pk}/{path}"


def post(client, path, body=None, **headers):
    return client.post(path, json.dumps(body or {}), content_type="application/json", headers=headers)


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def till(rep, open_till_for, now):
    return open_till_for(rep, at=now)


@pytest.fixture
def account(make_account, billing_hall):
    return make_account(billing_hall, "3000001")


@pytest.fixture
def body(fee, tender, account):
    """body(till, amount="150.00", cash=None, tender_code="cash", reference="") -> a payment request body:
    an installation fee paid by one tender."""

    def make(till, amount="150.00", *, cash=None, tender_code="cash", reference=""):
        data = {
            "till": till.pk,
            "account": account.pk,
            "lines": [{"fee_item": fee("installation").pk, "amount": amount}],
            "tenders": [{"tender": tender(tender_code).pk, "reference": reference}],
        }
        if cash is not None:
            data["cash_tendered"] = cash
        return data

    return make


def _counts():
    return Payment.objects.count(), PaymentLine.objects.count(), Receipt.objects.count()


def _pay(client, hall, data, key=None):
    return post(client, url(hall, "payments/"), data, **{"Idempotency-Key": key or uuid.uuid4().hex})


def _count_till(till, rep, *, cash: dict, at):
    """Count, hand in: what a rep does at the end of the shift (through the services)."""
    tills.close_till(till=till, by=rep, denominations=cash, settlements={}, at=at)
    return tills.hand_in_till(till=till, by=rep, at=at)


# --- Payments -----------------------------------------------------------------------------------------


def test_rep_takes_a_payment_and_a_retry_returns_the_same_one(billing_hall, rep, till, body, api):
    r = api(rep)
    first = _pay(r, billing_hall, body(till, "150.00", cash="200"), key="retry-key-0001")
    assert first.status_code == 201, first.content
    payment = first.json()
    assert payment["number"].endswith("-0001")
    assert payment["receipt_number"] == "A00001001"
    assert (payment["total"], payment["cash_tendered"], payment["change"]) == ("150.00", "200.00", "50.00")
    assert payment["amount_in_words"] == "壹佰伍拾元整"
    assert payment["status"] == "completed" and payment["card_write"] == ""
    assert payment["tenders"][0]["tender"]["code"] == "cash" and payment["tenders"][0]["amount"] == "150.00"
    assert payment["lines"][0]["amount"] == "150.00"

    again = _pay(r, billing_hall, body(till, "150.00", cash="200"), key="retry-key-0001")
    assert again.status_code == 200
    assert again.json()["id"] == payment["id"]
    assert _counts() == (1, 1, 1)

    listed = r.get(url(billing_hall, "payments/")).json()
    assert [p["id"] for p in listed["results"]] == [payment["id"]]
    assert r.get(url(billing_hall, f"payments/{payment['id']}/")).json()["receipt_number"] == "A00001001"


def test_a_payment_settles_the_bills_it_pays(billing_hall, rep, till, fee, tender, make_account, api):
    account = make_account(billing_hall, "3000002", bills=["88.50", "61.20"])
    bills = list(account.bills.order_by("number"))
    data = {
        "till": till.pk,
        "account": account.pk,
        "lines": [{"fee_item": fee("gas_bill").pk, "bill": b.pk} for b in bills],
        "tenders": [{"tender": tender("card").pk}],
    }
    response = _pay(api(rep), billing_hall, data)
    assert response.status_code == 201, response.content
    assert response.json()["total"] == "149.70"
    assert response.json()["amount_in_words"] == "壹佰肆拾玖元柒角整"
    assert set(account.bills.values_list("status", flat=True)) == {"paid"}


@pytest.mark.parametrize("key", [None, "", "short", "x" * 65, "has space in it"])
def test_a_payment_without_a_good_idempotency_key_is_refused(billing_hall, rep, till, body, api, key):
    headers = {} if key is None else {"Idempotency-Key": key}
    response = post(api(rep), url(billing_hall, "payments/"), body(till), **headers)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency" and "Idempotency-Key" in response.json()["detail"]
    assert _counts() == (0, 0, 0)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ('"0"', "more than zero"),
        ('"-1"', "more than zero"),
        ('"1.234"', "2 decimals"),
        ('"abc"', "not an amount"),
        ('"1e12"', "not taken at a counter"),
        ("0", "more than zero"),
        ("-1", "more than zero"),
        ("1.234", "2 decimals"),
        ("1e12", "not taken at a counter"),
    ],
)
def test_bad_amounts_are_a_400_with_the_services_message(billing_hall, rep, till, body, api, amount, message):
    # The amount goes into the JSON as written (a string, or a bare JSON number): no float in between.
    raw = json.dumps(body(till, "AMOUNT")).replace('"AMOUNT"', amount)
    response = api(rep).post(
        url(billing_hall, "payments/"),
        raw,
        content_type="application/json",
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]
    assert _counts() == (0, 0, 0)
    assert ReceiptBook.objects.get(holder=rep).next_number == 1001


@pytest.mark.parametrize("amount", ["true", "null", "[]", '{"yuan": 5}'])
def test_an_amount_that_is_not_a_string_or_number_is_refused(billing_hall, rep, till, body, api, amount):
    raw = json.dumps(body(till, "AMOUNT")).replace('"AMOUNT"', amount)
    response = api(rep).post(
        url(billing_hall, "payments/"),
        raw,
        content_type="application/json",
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 400
    assert _counts() == (0, 0, 0)


def test_cash_handed_over_below_the_amount_due_is_refused(billing_hall, rep, till, body, api):
    response = _pay(api(rep), billing_hall, body(till, "100.00", cash="50"))
    assert response.status_code == 400
    assert response.json()["code"] == "short_tendered" and "less than" in response.json()["detail"]
    assert _counts() == (0, 0, 0)


def test_unknown_ids_in_the_body_are_a_400_on_their_field(billing_hall, rep, till, body, api):
    data = body(till)
    data["lines"][0]["fee_item"] = 999_999
    data["tenders"][0]["tender"] = 2**31 - 1
    response = _pay(api(rep), billing_hall, data)
    assert response.status_code == 400
    errors = response.json()
    assert "does not exist" in errors["lines"]["0"]["fee_item"][0]
    assert "does not exist" in errors["tenders"]["0"]["tender"][0]
    assert _counts() == (0, 0, 0)


def test_a_payment_into_another_reps_till_is_refused(billing_hall, rep, till, body, make_member, api, now):
    colleague = make_member(Role.REP, billing_hall, username="colleague")
    response = _pay(api(colleague), billing_hall, body(till))
    assert response.status_code == 400 and "till" in response.json()
    # An auditor sees every till, and still cannot take money into a rep's.
    auditor = make_member(Role.AUDITOR, billing_hall, username="auditor2")
    response = _pay(api(auditor), billing_hall, body(till))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert _counts() == (0, 0, 0)


def test_another_hall_is_a_404(billing_hall, other_hall, rep, till, body, api):
    r = api(rep)
    assert _pay(r, other_hall, body(till)).status_code == 404
    for path in (
        "payments/",
        "tills/",
        f"tills/{till.pk}/",
        f"days/{business_day(billing_hall, timezone.now())}/",
    ):
        assert r.get(url(other_hall, path)).status_code == 404
    assert _counts() == (0, 0, 0)


def test_a_key_used_in_another_hall_is_refused(
    billing_hall, other_hall, rep, auditor, till, body, pay, open_till_for, root_user, api, now
):
    from servicecenter import services as kernel

    for user, role in ((rep, Role.REP), (auditor, Role.AUDITOR)):
        kernel.grant_role(user=user, role=role, hall=other_hall, company=other_hall.company, by=root_user)
    pay(till, rep, "10", key="shared-key-0001", at=now)
    there = open_till_for(rep, hall=other_hall, at=now)
    response = _pay(api(rep), other_hall, body(there, "10"), key="shared-key-0001")
    assert response.status_code == 400 and response.json()["code"] == "idempotency"
    assert _counts() == (1, 1, 1)


def test_a_rep_sees_only_their_own_tills_and_payments(
    billing_hall, rep, till, make_member, open_till_for, pay, api
):
    colleague = make_member(Role.REP, billing_hall, username="colleague")
    theirs = open_till_for(colleague, at=timezone.now())
    their_payment = pay(theirs, colleague, "20", at=timezone.now())
    mine = pay(till, rep, "30", at=timezone.now())
    r = api(rep)
    assert [t["id"] for t in r.get(url(billing_hall, "tills/")).json()["results"]] == [till.pk]
    assert [p["id"] for p in r.get(url(billing_hall, "payments/")).json()["results"]] == [mine.pk]
    assert r.get(url(billing_hall, f"tills/{theirs.pk}/")).status_code == 404
    assert r.get(url(billing_hall, f"payments/{their_payment.pk}/")).status_code == 404


def test_listing_payments_takes_the_same_queries_however_many(
    billing_hall, rep, till, pay, supervisor, api, django_assert_max_num_queries
):
    s = api(supervisor)
    for _ in range(2):
        pay(till, rep, "10", at=timezone.now())
    with django_assert_max_num_queries(14):
        few = s.get(url(billing_hall, "payments/"), {"day": str(till.business_day)})
    for _ in range(6):
        pay(till, rep, "10", at=timezone.now())
    with django_assert_max_num_queries(14):
        many = s.get(url(billing_hall, "payments/"), {"day": str(till.business_day)})
    assert few.json()["count"] == 2 and many.json()["count"] == 8


@pytest.mark.parametrize("day", ["yesterday", "2026-13-01", "20261123", "2026-W48-1", ""])
def test_a_malformed_day_filter_is_a_400(billing_hall, supervisor, api, day):
    response = api(supervisor).get(url(billing_hall, "payments/"), {"day": day})
    assert response.status_code == 400 and "day" in response.json()


def test_a_prepaid_card_write_is_confirmed(billing_hall, rep, till, fee, tender, make_account, api):
    account = make_account(billing_hall, "3000003", meter_type="ic_card")
    data = {
        "till": till.pk,
        "account": account.pk,
        "lines": [{"fee_item": fee("prepaid_gas").pk, "amount": "200"}],
        "tenders": [{"tender": tender("cash").pk}],
    }
    r = api(rep)
    payment = _pay(r, billing_hall, data).json()
    assert payment["card_write"] == "pending"
    response = post(r, url(billing_hall, f"payments/{payment['id']}/card-write/"), {"written": True})
    assert response.status_code == 200 and response.json()["card_write"] == "confirmed"


def test_a_void_is_asked_for_by_the_rep_and_approved_by_a_supervisor(
    billing_hall, rep, till, body, supervisor, api
):
    r, s = api(rep), api(supervisor)
    payment = _pay(r, billing_hall, body(till, "80")).json()
    asked = post(r, url(billing_hall, f"payments/{payment['id']}/void/"), {"reason": "顾客改用微信支付"})
    assert asked.status_code == 200 and asked.json()["status"] == "void_requested"
    assert post(r, url(billing_hall, f"payments/{payment['id']}/void/approve/")).status_code == 403
    approved = post(s, url(billing_hall, f"payments/{payment['id']}/void/approve/"))
    assert approved.status_code == 200
    assert approved.json()["status"] == "voided" and approved.json()["receipt_number"] is None
    assert Receipt.objects.get().status == Receipt.Status.VOIDED


# --- Tills --------------------------------------------------------------------------------------------


def test_auditor_issues_a_float_the_rep_counts_and_the_auditor_verifies(
    billing_hall, rep, auditor, book_for, body, api
):
    book_for(rep, at=timezone.now())
    a, r = api(auditor), api(rep)
    window = billing_hall.windows.get(number=2)
    issued = post(a, url(billing_hall, "tills/"), {"rep": rep.pk, "amount": "500.00", "window": window.pk})
    assert issued.status_code == 201, issued.content
    till = issued.json()
    assert (till["state"], till["opening_float"], till["window"]) == ("issued", "500.00", 2)
    base = url(billing_hall, f"tills/{till['id']}/")

    assert post(r, base + "open/").json()["state"] == "open"
    assert _pay(r, billing_hall, body(Till.objects.get(pk=till["id"]), "50.00")).status_code == 201
    counted = post(r, base + "close/", {"denominations": {"100.00": 5, "50.00": 1}})
    assert counted.status_code == 200, counted.content
    cash = next(leg for leg in counted.json()["legs"] if leg["tender"]["code"] == "cash")
    assert (cash["system"], cash["receipts"], cash["counted"], cash["difference"]) == (
        "50.00",
        "50.00",
        "50.00",
        "0.00",
    )
    assert counted.json()["difference"] == "0.00"
    assert post(r, base + "hand-in/").json()["state"] == "handed_in"

    refused = post(r, base + "verify/")
    assert refused.status_code == 403
    verified = post(a, base + "verify/")
    assert verified.status_code == 200 and verified.json()["state"] == "verified"
    assert verified.json()["verified_by"]["id"] == auditor.pk
    assert Till.objects.get().history.latest().history_user == auditor


def test_an_over_or_short_needs_an_explanation(billing_hall, rep, till, api):
    r = api(rep)
    base = url(billing_hall, f"tills/{till.pk}/")
    refused = post(r, base + "close/", {"denominations": {"100.00": 4}})
    assert refused.status_code == 400 and refused.json()["code"] == "unexplained"
    assert Till.objects.get().state == Till.State.OPEN
    counted = post(r, base + "close/", {"denominations": {"100.00": 4}, "explanation": "少收一张百元钞"})
    assert counted.status_code == 200
    assert counted.json()["difference"] == "-100.00"


@pytest.mark.parametrize(
    "denominations", [{"3.00": 1}, {"100.00": -1}, {"100.00": "many"}, {"100.00": 100_001}, ["100.00"]]
)
def test_a_bad_count_is_refused(billing_hall, rep, till, api, denominations):
    response = post(api(rep), url(billing_hall, f"tills/{till.pk}/close/"), {"denominations": denominations})
    assert response.status_code == 400
    assert Till.objects.get().state == Till.State.OPEN


@pytest.mark.parametrize("settlements", [{"²": "1"}, {"card": "1"}, {"999999": "1"}, {"CARD": "abc"}])
def test_a_bad_settlement_is_refused(billing_hall, rep, till, tender, api, settlements):
    settlements = {str(tender("card").pk) if k == "CARD" else k: v for k, v in settlements.items()}
    response = post(
        api(rep),
        url(billing_hall, f"tills/{till.pk}/close/"),
        {"denominations": {"100.00": 5}, "settlements": settlements},
    )
    assert response.status_code == 400
    assert Till.objects.get().state == Till.State.OPEN


def test_an_auditor_sends_a_till_back_with_a_reason(billing_hall, rep, till, auditor, api, now):
    _count_till(till, rep, cash={"100.00": 5}, at=now)
    a = api(auditor)
    base = url(billing_hall, f"tills/{till.pk}/send-back/")
    assert post(a, base, {"reason": ""}).status_code == 400
    sent = post(a, base, {"reason": "现金与清点单不符"})
    assert sent.status_code == 200
    assert (sent.json()["state"], sent.json()["sent_back_reason"]) == ("closed", "现金与清点单不符")


def test_reps_do_not_issue_floats_and_nobody_to_themselves(billing_hall, rep, auditor, supervisor, api):
    response = post(api(rep), url(billing_hall, "tills/"), {"rep": rep.pk, "amount": "500"})
    assert response.status_code == 403
    response = post(api(auditor), url(billing_hall, "tills/"), {"rep": auditor.pk, "amount": "500"})
    assert response.status_code == 403
    assert not Till.objects.exists()
    # The supervisor hands the auditor a float when the auditor covers a counter.
    response = post(api(supervisor), url(billing_hall, "tills/"), {"rep": auditor.pk, "amount": "500"})
    assert response.status_code == 201


def test_a_float_for_someone_outside_the_hall_is_refused(billing_hall, other_hall, auditor, make_member, api):
    stranger = make_member(Role.REP, other_hall, username="stranger")
    response = post(api(auditor), url(billing_hall, "tills/"), {"rep": stranger.pk, "amount": "500"})
    assert response.status_code == 400 and "rep" in response.json()
    assert not Till.objects.exists()


# --- Receipt stock ------------------------------------------------------------------------------------


def test_receipt_books_are_received_issued_used_and_returned(billing_hall, rep, auditor, till, body, api):
    a, r = api(auditor), api(rep)
    received = post(
        a,
        url(billing_hall, "receipt-books/"),
        {"prefix": "b", "first_number": 1, "last_number": 50, "digits": 6},
    )
    assert received.status_code == 201, received.content
    book = received.json()
    assert (book["range"], book["status"], book["issued"], book["voided"], book["unused"]) == (
        "B000001–B000050",
        "in_stock",
        0,
        0,
        50,
    )
    overlapping = post(
        a,
        url(billing_hall, "receipt-books/"),
        {"prefix": "B0", "first_number": 50, "last_number": 60, "digits": 5},
    )  # prints B000050…B000060: the same numbers as book B
    assert overlapping.status_code == 400 and "overlap" in overlapping.json()["detail"]

    # The rep's book A (from the till fixture) is used first: spoil one number, pay with the next.
    spoiled = post(r, url(billing_hall, "receipts/spoil/"), {"reason": "打印卡纸"})
    assert spoiled.status_code == 201
    assert (spoiled.json()["number"], spoiled.json()["status"]) == ("A00001001", "voided")
    payment = _pay(r, billing_hall, body(till, "30")).json()
    assert payment["receipt_number"] == "A00001002"
    reissued = post(
        r, url(billing_hall, f"payments/{payment['id']}/reissue-receipt/"), {"reason": "打印错位"}
    )
    assert reissued.status_code == 201 and reissued.json()["number"] == "A00001003"
    reprint = post(
        r, url(billing_hall, f"receipts/{reissued.json()['id']}/reprint/"), {"reason": "顾客要求补打"}
    )
    assert reprint.status_code == 201 and reprint.json()["receipt"]["number"] == "A00001003"

    a_book = ReceiptBook.objects.get(prefix="A")
    listed = {b["id"]: b for b in a.get(url(billing_hall, "receipt-books/")).json()["results"]}
    assert (listed[a_book.pk]["issued"], listed[a_book.pk]["voided"], listed[a_book.pk]["unused"]) == (
        1,
        2,
        97,
    )
    receipts = a.get(url(billing_hall, f"receipt-books/{a_book.pk}/receipts/")).json()
    assert [x["number"] for x in receipts] == ["A00001003", "A00001002", "A00001001"]
    # A rep reads only the books in their hands.
    assert [b["id"] for b in r.get(url(billing_hall, "receipt-books/")).json()["results"]] == [a_book.pk]

    issued = post(a, url(billing_hall, f"receipt-books/{book['id']}/issue/"), {"to": rep.pk})
    assert issued.status_code == 200 and issued.json()["holder"]["id"] == rep.pk
    returned = post(a, url(billing_hall, f"receipt-books/{book['id']}/return/"))
    assert returned.status_code == 200 and returned.json()["status"] == "in_stock"
    assert post(r, url(billing_hall, f"receipt-books/{book['id']}/return/")).status_code == 403


def test_a_spoiled_number_needs_a_reason_and_a_book(billing_hall, rep, open_till_for, api):
    r = api(rep)
    assert post(r, url(billing_hall, "receipts/spoil/"), {"reason": "卡纸"}).json()["code"] == "no_receipts"
    assert post(r, url(billing_hall, "receipts/spoil/"), {"reason": 12}).status_code == 400
    assert not Receipt.objects.exists()


# --- The day ------------------------------------------------------------------------------------------


@pytest.fixture
def verified_day(billing_hall, rep, till, auditor, pay, now, close_hall):
    """Today with one cash payment of ¥120 in a counted, handed-in and verified till; the hall closed."""
    pay(till, rep, "120", at=now)
    _count_till(till, rep, cash={"100.00": 6, "20.00": 1}, at=now)
    tills.verify_till(till=till, by=auditor, at=now)
    close_hall(at=now)
    return business_day(billing_hall, now)


def test_supervisor_approves_the_day_and_records_the_deposit(billing_hall, supervisor, verified_day, api):
    s = api(supervisor)
    base = url(billing_hall, f"days/{verified_day}/")
    day = s.get(base).json()
    assert (day["state"], day["blockers"], day["report"], day["deposit"]) == ("open", [], None, None)
    report = post(s, base + "report/")
    assert report.status_code == 200 and report.json()["report"]["data"]["cash_takings"] == "120.00"
    approved = post(s, base + "approve/", {"note": "核对无误"})
    assert approved.status_code == 200, approved.content
    assert (approved.json()["state"], approved.json()["approved_by"]["id"]) == ("approved", supervisor.pk)

    short = post(s, base + "deposit/", {"amount": "100.00", "bank": "工商银行", "slip_number": "GS-001"})
    assert short.status_code == 400 and short.json()["code"] == "unexplained"
    deposited = post(s, base + "deposit/", {"amount": "120.00", "bank": "工商银行", "slip_number": "GS-001"})
    assert deposited.status_code == 201, deposited.content
    assert deposited.json()["state"] == "locked"
    assert (deposited.json()["deposit"]["amount"], deposited.json()["deposit"]["cash_takings"]) == (
        "120.00",
        "120.00",
    )


def test_a_day_with_an_unverified_till_cannot_be_approved(billing_hall, supervisor, till, api, now):
    s = api(supervisor)
    base = url(billing_hall, f"days/{business_day(billing_hall, now)}/")
    assert till.number in s.get(base).json()["blockers"][0]
    refused = post(s, base + "approve/")
    assert refused.status_code == 400 and refused.json()["code"] == "not_ready"
    assert not HallDay.objects.filter(state=HallDay.State.APPROVED).exists()


def test_nothing_changes_on_a_locked_day(
    billing_hall, rep, till, auditor, supervisor, verified_day, body, book_for, api, now
):
    days.approve_day(hall=billing_hall, day=verified_day, by=supervisor, at=now)
    days.record_deposit(
        hall=billing_hall,
        day=verified_day,
        amount="120",
        bank="工商银行",
        slip_number="GS-9",
        by=supervisor,
        at=now,
    )
    before = (_counts(), Till.objects.count(), HallDay.objects.get().state)
    a, r, s = api(auditor), api(rep), api(supervisor)
    base = url(billing_hall, f"days/{verified_day}/")

    refused = [
        post(a, url(billing_hall, "tills/"), {"rep": rep.pk, "amount": "500"}),
        post(r, url(billing_hall, "receipts/spoil/"), {"reason": "卡纸"}),
        _pay(r, billing_hall, body(till, "10")),
        post(s, base + "approve/"),
        post(s, base + "deposit/", {"amount": "120", "bank": "工商银行", "slip_number": "GS-10"}),
        post(s, url(billing_hall, "reversals/"), {"payment": Payment.objects.get().pk, "reason": "金额录错"}),
    ]
    assert [x.status_code for x in refused] == [400] * 6
    assert all(x.json()["detail"] for x in refused)
    assert refused[0].json()["code"] == "locked" and "locked" in refused[0].json()["detail"]
    assert refused[4].json()["code"] == "locked"
    assert (_counts(), Till.objects.count(), HallDay.objects.get().state) == before
    # Building the report again leaves a locked day's report as it was.
    generated = DailyReport.objects.get().generated_at
    assert post(s, base + "report/").status_code == 200
    assert DailyReport.objects.get().generated_at == generated


@pytest.mark.parametrize("day", ["2026-13-01", "2026-02-30", "20261123", "abc", "1999-12-31", "2100-01-01"])
def test_a_malformed_day_in_the_url_is_a_404(billing_hall, supervisor, api, day):
    s = api(supervisor)
    assert s.get(url(billing_hall, f"days/{day}/")).status_code == 404
    assert post(s, url(billing_hall, f"days/{day}/approve/")).status_code == 404
    assert not HallDay.objects.exists()


def test_a_day_not_yet_started_has_no_report(billing_hall, supervisor, api, now):
    tomorrow = business_day(billing_hall, now) + timedelta(days=1)
    response = post(api(supervisor), url(billing_hall, f"days/{tomorrow}/report/"))
    assert response.status_code == 400
    assert not HallDay.objects.exists() and not DailyReport.objects.exists()


# --- Roles --------------------------------------------------------------------------------------------


def test_a_rep_cannot_verify_approve_or_reverse(billing_hall, rep, till, api, now):
    r = api(rep)
    day = business_day(billing_hall, now)
    assert post(r, url(billing_hall, f"tills/{till.pk}/verify/")).status_code == 403
    assert post(r, url(billing_hall, f"days/{day}/approve/")).status_code == 403
    assert post(r, url(billing_hall, f"days/{day}/deposit/"), {"amount": "1"}).status_code == 403
    assert post(r, url(billing_hall, "reversals/"), {"payment": 1, "reason": "测试测试"}).status_code == 403
    assert r.get(url(billing_hall, f"days/{day}/")).status_code == 403
    assert r.get(url(billing_hall, "reversals/")).status_code == 403


def test_a_finance_auditor_reads_everything_and_writes_nothing(
    billing_hall, rep, till, pay, make_member, verified_day, api
):
    finance = make_member(Role.FINANCE_AUDITOR, billing_hall, username="finance")
    f = api(finance)
    payment = Payment.objects.get()
    for path in (
        "tills/",
        f"tills/{till.pk}/",
        "payments/",
        f"payments/{payment.pk}/",
        "receipt-books/",
        f"days/{verified_day}/",
        "reversals/",
        "price-list/",
        "tenders/",
    ):
        assert f.get(url(billing_hall, path)).status_code == 200, path
    writes = [
        ("tills/", {"rep": rep.pk, "amount": "500"}),
        (f"tills/{till.pk}/send-back/", {"reason": "重点"}),
        ("receipt-books/", {"first_number": 1, "last_number": 10}),
        (f"days/{verified_day}/report/", {}),
        (f"days/{verified_day}/approve/", {}),
        ("reversals/", {"payment": payment.pk, "reason": "金额录错"}),
        (f"payments/{payment.pk}/void/approve/", {}),
        ("payments/", {}),
    ]
    for path, data in writes:
        assert post(f, url(billing_hall, path), data).status_code == 403, path
    assert not HallDay.objects.filter(state=HallDay.State.APPROVED).exists()
    assert not Reversal.objects.exists() and not DailyReport.objects.exists()


def test_a_reversal_needs_two_different_people(
    billing_hall, rep, till, supervisor, make_member, pay, api, now
):
    payment = pay(till, rep, "66", at=now)
    _count_till(till, rep, cash={"100.00": 5, "50.00": 1, "10.00": 1, "5.00": 1, "1.00": 1}, at=now)
    s = api(supervisor)
    too_short = post(s, url(billing_hall, "reversals/"), {"payment": payment.pk, "reason": "错"})
    assert too_short.status_code == 400
    requested = post(
        s, url(billing_hall, "reversals/"), {"payment": payment.pk, "reason": "金额录错，应为六十元"}
    )
    assert requested.status_code == 201, requested.content
    reversal = requested.json()
    assert (reversal["state"], reversal["amount"], reversal["payment_number"]) == (
        "requested",
        "66.00",
        payment.number,
    )

    own = post(s, url(billing_hall, f"reversals/{reversal['id']}/approve/"))
    assert own.status_code == 403 and own.json()["code"] == "forbidden"
    assert Reversal.objects.get().state == Reversal.State.REQUESTED

    colleague = make_member(Role.SUPERVISOR, billing_hall, username="second")
    approved = post(api(colleague), url(billing_hall, f"reversals/{reversal['id']}/approve/"))
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert approved.json()["decided_by"]["id"] == colleague.pk
    listed = s.get(url(billing_hall, "reversals/"), {"state": "approved"}).json()
    assert [x["id"] for x in listed["results"]] == [reversal["id"]]
    assert s.get(url(billing_hall, "reversals/"), {"state": "bogus"}).status_code == 400
    assert Payment.objects.get().total == Decimal("66.00")  # the original stays as it was


def test_an_auditor_takes_back_a_float_never_opened(billing_hall, rep, auditor, api, now):
    till = tills.issue_float(hall=billing_hall, rep=rep, amount="200", by=auditor, at=now)
    assert (
        post(api(rep), url(billing_hall, f"tills/{till.pk}/cancel/"), {"reason": "请假"}).status_code == 403
    )
    refused = post(api(auditor), url(billing_hall, f"tills/{till.pk}/cancel/"), {"reason": ""})
    assert refused.status_code == 400
    cancelled = post(api(auditor), url(billing_hall, f"tills/{till.pk}/cancel/"), {"reason": "当班人员请假"})
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
