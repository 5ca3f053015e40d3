"""The two ways a payment is written — set-based on PostgreSQL (billing/services/payments_sql.py) and through
the ORM (the portable path) — write the same rows and the same history, and the prepared statements behind
the first survive what a long-lived database session meets (rollbacks, a new connection)."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from psycopg import pq

from billing.errors import BillingError
from billing.models import Payment, ReceiptBook
from billing.services import payments
from counter.services import queue, visits
from tests.billing.conftest import MORNING


def _set_based(settings, on: bool) -> None:
    settings.BILLING_SET_BASED_PAYMENTS = on


def _history(model, **filters) -> list[tuple]:
    """The history rows of `model` matching filters: what, by whom, and the values written."""
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id",)]
    return [
        (row.history_type, row.history_user_id, {name: getattr(row, name) for name in fields})
        for row in model.history.filter(**filters).order_by("history_id")
    ]


def _written(payment: Payment, rep, till, book: ReceiptBook) -> dict:
    """Everything one payment wrote, with what differs by rep, till and book put in neutral terms."""
    book.refresh_from_db()
    # Ids in neutral terms, each by what it names (ids of different tables may coincide).
    neutral = {"user": {rep.pk: "REP"}, "till": {till.pk: "TILL"}, "book": {book.pk: "BOOK"}}
    named = {"rep_id": "user", "issued_by_id": "user", "holder_id": "user", "history_user_id": "user"}
    named |= {"till_id": "till", "book_id": "book"}

    def clean(values: dict) -> dict:
        out = {}
        for name, value in values.items():
            if name in ("idempotency_key", "created_at", "issued_at", "history_date", "history_id"):
                continue
            if name in named:
                value = neutral[named[name]].get(value, value)
            elif name == "number" and value.startswith(till.number):
                value = value.replace(till.number, "TILL")
            elif name == "number":  # a receipt: the book's number as printed
                assert value == book.format(values["sequence"])
                value = "BOOK NUMBER"
            elif name in ("sequence", "first_number", "last_number", "next_number"):
                value -= book.first_number
            elif name in ("payment_id",):
                value = "PAYMENT" if value == payment.pk else value
            out[name] = value
        return out

    def rows(model, **filters):
        return [
            (kind, neutral["user"].get(user, user), clean(values))
            for kind, user, values in _history(model, **filters)
        ]

    lines = list(payment.lines.values_list("pk", flat=True))
    tenders = list(payment.tenders.values_list("pk", flat=True))
    receipts = list(payment.receipts.values_list("pk", flat=True))
    return {
        "payment": rows(Payment, id=payment.pk),
        "lines": rows(payment.lines.model, id__in=lines),
        "tenders": rows(payment.tenders.model, id__in=tenders),
        "receipt": rows(payment.receipts.model, id__in=receipts),
        "book": [row for row in rows(ReceiptBook, id=book.pk) if row[0] == "~"][-1:],
        "book_now": (book.next_number - book.first_number, book.status),
    }


@pytest.fixture
def both(settings, make_member, billing_hall, open_till_for):
    """both(take) -> what `take(rep, till)` wrote set-based and through the ORM (each rep their own)."""
    from servicecenter.roles import Role

    def run(take):
        out = []
        for i, on in enumerate((True, False)):
            _set_based(settings, on)
            rep = make_member(Role.REP, billing_hall, username=f"writer-{i}-{uuid.uuid4().hex[:4]}")
            till = open_till_for(rep)
            book = ReceiptBook.objects.get(holder=rep)
            payment = take(rep, till)
            out.append(_written(payment, rep, till, book))
        return out

    return run


def test_cash_with_change_for_an_account(both, pay, make_account, billing_hall):
    account = make_account(billing_hall, "3000001")
    set_based, orm = both(lambda rep, till: pay(till, rep, "120.50", cash="150", account=account))
    assert set_based == orm
    assert set_based["payment"][0][0] == "+" and set_based["payment"][0][1] == "REP"
    assert set_based["payment"][0][2]["change"] == Decimal("29.50")


def test_products_by_qr_with_their_reference(both, pay):
    refs = iter(["WX202611230001", "WX202611230001"])  # the same reference: each path its own payments
    set_based, orm = both(
        lambda rep, till: (
            pay(till, rep, tender_code="wechat", item="alarm", quantity=2, reference=next(refs))
            if not Payment.objects.filter(tenders__reference="WX202611230001").exists()
            else pay(till, rep, tender_code="wechat", item="alarm", quantity=2, reference="WX202611230002")
        )
    )
    for side in (set_based, orm):
        side["tenders"][0][2].pop("reference")
    assert set_based == orm
    assert set_based["lines"][0][2]["quantity"] == 2


def test_gas_bills_in_a_visit_and_a_split_tender(
    both, fee, tender, make_account, billing_hall, category, settings
):
    window_numbers = iter([1, 2])

    def take(rep, till):
        window = billing_hall.windows.get(number=next(window_numbers))
        queue.open_post(hall=billing_hall, window=window, user=rep, at=MORNING)
        ticket = queue.issue_ticket(hall=billing_hall, category=category("A"), at=MORNING)
        queue.call_next(user=rep, hall=billing_hall, at=MORNING)
        visit = visits.start_visit(user=rep, hall=billing_hall, ticket_id=ticket.pk, at=MORNING)
        account = make_account(billing_hall, f"30001{window.number:02d}", bills=["30.20", "45.00"])
        visit = visits.attach_account(user=rep, hall=billing_hall, visit_id=visit.pk, account=account)
        bills = list(account.bills.order_by("period"))
        return payments.record_payment(
            till=till,
            lines=[payments.LineInput(fee_item=fee("gas_bill"), bill=b) for b in bills],
            tenders=[
                payments.TenderInput(tender=tender("cash"), amount="50.00"),
                payments.TenderInput(tender=tender("alipay"), amount="25.20", reference=f"ALI{till.pk}X"),
            ],
            idempotency_key=uuid.uuid4().hex,
            by=rep,
            visit=visit,
            cash_tendered="100",
            at=MORNING,
        )

    set_based, orm = both(take)
    for side in (set_based, orm):
        for _kind, _user, values in side["lines"]:
            values.pop("bill_id")
            values.pop("description")
        for _kind, _user, values in side["tenders"]:
            values.pop("reference")
        side["payment"][0][2].pop("visit_id")
        side["payment"][0][2].pop("account_id")
        side["payment"][0][2].pop("window_id")
    assert set_based == orm
    assert [values["amount"] for _k, _u, values in set_based["tenders"]] == [
        Decimal("50.00"),
        Decimal("25.20"),
    ]


def test_the_last_number_of_a_book_uses_it_up(
    settings, make_member, billing_hall, open_till_for, book_for, pay
):
    from servicecenter.roles import Role

    seen = []
    for on in (True, False):
        _set_based(settings, on)
        rep = make_member(Role.REP, billing_hall, username=f"last-{on}")
        till = open_till_for(rep, book=False)
        start = 7000 if on else 8000
        book = book_for(rep, first=start, last=start)
        pay(till, rep, "10")
        book.refresh_from_db()
        seen.append((book.next_number - book.first_number, book.status, book.history.first().history_type))
    assert seen[0] == seen[1] == (1, ReceiptBook.Status.USED_UP, "~")


@pytest.mark.django_db(transaction=True)
def test_prepared_statements_survive_rollbacks_and_a_new_connection(rep, open_till_for, pay):
    till = open_till_for(rep)
    first = pay(till, rep, tender_code="wechat", item="alarm", reference="WX-ONCE-0001")
    # Each of these rolls the transaction back, after which psycopg deallocates the session's statements.
    with pytest.raises(BillingError) as refused:  # refused inside the set-based write itself
        pay(till, rep, tender_code="wechat", item="alarm", reference="WX-ONCE-0001")
    assert refused.value.code == "duplicate_reference"
    assert pay(till, rep, "12", key="same-key").pk
    assert pay(till, rep, "12", key="same-key").pk  # the payment this key made, nothing new
    assert pay(till, rep, "13").pk
    connection.close()  # a new session holds none: they are prepared again
    assert pay(till, rep, "14").pk
    totals = sorted(Payment.objects.filter(till=till).exclude(pk=first.pk).values_list("total", flat=True))
    assert totals == [Decimal("12"), Decimal("13"), Decimal("14")]


def _round_trips(trace: str) -> int:
    """Messages the client waited on, from libpq's protocol trace: a Sync ends a pipeline or an
    extended-protocol statement, a Query is a simple one (BEGIN, COMMIT)."""
    sent = [line.split("\t")[2].split(" ")[0] for line in trace.splitlines() if line.startswith("F\t")]
    return sent.count("Sync") + sent.count("Query")


def test_a_payment_is_three_statements_in_two_round_trips(
    rep, open_till_for, fee, tender, make_account, billing_hall, tmp_path
):
    till = open_till_for(rep)
    item, cash = fee("installation"), tender("cash")
    account = make_account(billing_hall, "3000009")

    def take(amount: str) -> Payment:
        return payments.record_payment(
            till=till,
            lines=[payments.LineInput(fee_item=item, amount=amount)],
            tenders=[payments.TenderInput(tender=cash)],
            idempotency_key=uuid.uuid4().hex,
            by=rep,
            account=account,
            at=MORNING,
        )

    take("10")
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    trace_file = tmp_path / "trace"
    with trace_file.open("w") as trace, CaptureQueriesContext(connection) as captured:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            take("11")
        finally:
            pgconn.untrace()
    statements = [
        q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    # The till locked, then everything else read; everything written in one statement.
    assert [s.split(" ")[:3] for s in statements] == [
        ["WITH", "t", "AS"],
        ["SELECT", "(SELECT", "array[id,"],
        ["WITH", "pay", "AS"],
    ]
    assert statements[0].startswith('WITH t AS (UPDATE "billing_till"')
    # The two reads go in one round trip (the test's own transaction holds savepoints: one round trip each
    # to make and to release it), the write in another — each statement prepared once, executed by name.
    savepoints = len(captured.captured_queries) - len(statements)
    assert _round_trips(trace_file.read_text()) == 2 + savepoints
    assert "Parse" not in trace_file.read_text()
