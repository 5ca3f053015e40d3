"""Payments on SQLite (the database `make run` uses on a bare machine): the portable ORM path end to end.

Run by tests/billing/test_payments_sqlite.py in a subprocess (the suite's own database is PostgreSQL, where
payments are read and written set-based): `python tests/billing/sqlite_payments.py` with DATABASE_URL
pointing at a migrated SQLite file. Exits non-zero with the first thing that is wrong.
"""

import os
import sys
import uuid
from datetime import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicecenter.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from billing.defaults import install_price_list  # noqa: E402
from billing.errors import BillingError  # noqa: E402
from billing.models import FeeItem, Payment, PaymentLine, PaymentTender, Receipt, ReceiptBook, Tender  # noqa: E402
from billing.services import payments, receipts, tills  # noqa: E402
from counter.services import customers  # noqa: E402
from servicecenter import services  # noqa: E402
from servicecenter.models import Company, Hall, User, Window  # noqa: E402
from servicecenter.roles import Role  # noqa: E402
from servicecenter.scoping import access_for, has_hall_perm  # noqa: E402


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"SQLite payments: {what}")


def main() -> None:
    check(connection.vendor == "sqlite", f"runs on SQLite, not {connection.vendor}")
    company = Company.objects.create(code="sq-gas", name="轻量燃气")
    hall = Hall.objects.create(company=company, code="sq-hall", name="轻量客服中心", cutoff=time(0))
    window = Window.objects.create(hall=hall, number=1, name="1号窗口")
    install_price_list(company)
    root = User.objects.create_superuser("sq.root", "root@example.com", None)
    rep = User.objects.create_user("sq.rep", last_name="李", first_name="娜", staff_number="R1")
    auditor = User.objects.create_user("sq.auditor", last_name="王", first_name="芳", staff_number="A1")
    services.grant_role(user=rep, role=Role.REP, hall=hall, company=company, by=root)
    services.grant_role(user=auditor, role=Role.AUDITOR, hall=hall, company=company, by=root)
    rep = User.objects.get(pk=rep.pk)
    check([h.pk for h in access_for(rep).halls] == [hall.pk], "the rep reaches their hall (and only it)")
    check(has_hall_perm(rep, hall, "billing.take_payment"), "the rep takes payments there")

    book = receipts.receive_book(hall=hall, prefix="S", first_number=1, last_number=3, by=auditor)
    receipts.issue_book(book=book, to=rep, by=auditor)
    till = tills.issue_float(hall=hall, rep=rep, amount="200.00", by=auditor, window=window)
    tills.open_till(till=till, by=rep)
    holder = customers.find_or_register_customer(company=company, name="张三", phone="13812345678")
    account = customers.open_account(
        company=company, number="9000001", holder=holder, address="城东区1号", meter_type="postpaid"
    )
    fee = {f.code: f for f in FeeItem.objects.filter(company=company)}
    tender = {t.code: t for t in Tender.objects.filter(company=company)}
    now = timezone.now()

    key = uuid.uuid4().hex

    def installation(**extra):
        return payments.record_payment(
            till=till,
            lines=[payments.LineInput(fee_item=fee["installation"], amount="120.50")],
            tenders=[payments.TenderInput(tender=tender["cash"])],
            idempotency_key=key,
            by=rep,
            account=account,
            at=now,
            **extra,
        )

    first = installation(cash_tendered="150")
    check(first.change == Decimal("29.50"), f"change ¥29.50, not {first.change}")
    again = installation()
    check(again.pk == first.pk, "the same key returns the payment already made")

    def alarm_by_wechat():
        return payments.take_payment(
            hall_id=hall.pk,
            till_id=till.pk,
            lines=[payments.LineEntry(fee["alarm"].pk)],
            tenders=[payments.TenderEntry(tender["wechat"].pk, reference="WX20261123000001")],
            idempotency_key=uuid.uuid4().hex,
            by=rep,
            at=now,
        )

    taken = alarm_by_wechat()
    check(taken.created and taken.receipt.number == "S00000002", f"second receipt S00000002: {taken.receipt}")
    try:
        alarm_by_wechat()
    except BillingError as error:
        check(error.code == "duplicate_reference", f"a reference paid twice is refused: {error.code}")
    else:
        check(False, "a reference paid twice is refused")

    check(Payment.objects.count() == 2, "two payments")
    check(PaymentLine.objects.count() == 2 and PaymentTender.objects.count() == 2, "a line and a tender each")
    numbers = list(Receipt.objects.order_by("sequence").values_list("number", flat=True))
    check(numbers == ["S00000001", "S00000002"], f"receipts S00000001, S00000002: {numbers}")
    check(ReceiptBook.objects.get(pk=book.pk).next_number == 3, "the refused payment gave its number back")
    for model in (Payment, PaymentLine, PaymentTender, Receipt):
        history = model.history.all()
        check(history.count() == 2, f"{model.__name__}: a history row per row written")
        check({h.history_user_id for h in history} == {rep.pk}, f"{model.__name__}: history by the rep")
    print("SQLite payments: OK")


if __name__ == "__main__":
    main()
