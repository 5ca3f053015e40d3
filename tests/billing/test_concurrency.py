"""Payments under load on PostgreSQL: 8 threads × 50 submissions, duplicates mixed in, all at once."""

import random
import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from billing.models import Payment, PaymentTender, Receipt
from billing.services import payments
from billing.services.tills import expected_by_tender
from servicecenter.roles import Role
from tests.billing.conftest import MORNING

THREADS, PER_THREAD = 8, 50


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_are_recorded_once_with_gapless_receipts(
    billing_hall, make_member, open_till_for, fee, tender, make_account
):
    assert connection.vendor == "postgresql"
    account = make_account(billing_hall, "40000001")
    reps = [make_member(Role.REP, billing_hall, username=f"load{i}") for i in range(THREADS // 2)]
    tills = {rep.pk: open_till_for(rep, opening_float="0") for rep in reps}
    item, cash = fee("installation"), tender("cash")
    # Two threads per rep, sharing the rep's till and book. Each thread sends 50 submissions; about one in
    # four repeats a key its sibling also sends (a double click, a retry), so many arrive at the same moment.
    plans = []
    for i in range(THREADS):
        rng = random.Random(i)
        shared_keys = [f"shared-{i // 2}-{n:03d}" for n in range(PER_THREAD)]
        plans.append(
            [
                (
                    shared_keys[n] if rng.random() < 0.25 else f"own-{i}-{n:03d}-{uuid.uuid4().hex[:6]}",
                    Decimal(10 + n % 7) + Decimal("0.25"),
                )
                for n in range(PER_THREAD)
            ]
        )
    # A shared key always carries the same amount, as a real retried request would.
    amounts: dict[str, Decimal] = {}
    for plan in plans:
        for key, amount in plan:
            amounts.setdefault(key, amount)
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(i: int):
        rep = reps[i // 2]
        till = tills[rep.pk]
        try:
            barrier.wait(timeout=30)
            for key, _amount in plans[i]:
                payments.record_payment(
                    till=till,
                    by=rep,
                    idempotency_key=key,
                    account=account,
                    at=MORNING,
                    lines=[payments.LineInput(fee_item=item, amount=str(amounts[key]))],
                    tenders=[payments.TenderInput(tender=cash)],
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors[:3]

    distinct_keys = {key for plan in plans for key, _amount in plan}
    assert Payment.objects.count() == len(distinct_keys)
    assert len(distinct_keys) < THREADS * PER_THREAD  # duplicates really were sent
    for rep in reps:
        till = tills[rep.pk]
        mine = Payment.objects.filter(till=till)
        keys = {key for i, plan in enumerate(plans) if reps[i // 2] == rep for key, _a in plan}
        assert set(mine.values_list("idempotency_key", flat=True)) == keys
        expected = sum((amounts[k] for k in keys), Decimal("0.00"))
        assert mine.aggregate(total=Sum("total"))["total"] == expected
        assert PaymentTender.objects.filter(payment__till=till).aggregate(t=Sum("amount"))["t"] == expected
        assert expected_by_tender(till)[cash.pk]["system"] == expected
        # The rep's book: numbers first, first+1, … with no gap and none twice.
        receipts = Receipt.objects.filter(payment__till=till)
        sequences = sorted(receipts.values_list("sequence", flat=True))
        book = receipts.first().book
        assert sequences == list(range(book.first_number, book.first_number + len(keys)))
        book.refresh_from_db()
        assert book.next_number == book.first_number + len(keys)
    assert Receipt.objects.values("number").distinct().count() == Receipt.objects.count()
