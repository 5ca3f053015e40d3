"""Demo accounts: deterministic, plausible, valid personal data, realistic bills, idempotent and bulk."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from counter.demo_accounts import seed_accounts
from counter.models import Bill, Customer, GasAccount
from counter.validators import validate_id_number, validate_phone
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 2)


def snapshot(company):
    return (
        list(GasAccount.objects.filter(company=company).order_by("pk").values_list("pk", "number", "status")),
        list(Customer.objects.filter(company=company).order_by("pk").values_list("pk", "id_number")),
        list(
            Bill.objects.filter(account__company=company).order_by("pk").values_list("pk", "amount", "status")
        ),
    )


def test_seeding_twice_creates_nothing_new(hall):
    company = hall.company
    assert seed_accounts(company=company, count=300, today=TODAY) == 300
    first = snapshot(company)
    assert seed_accounts(company=company, count=300, today=TODAY) == 0
    assert snapshot(company) == first
    numbers = [number for _pk, number, _status in first[0]]
    assert numbers[0] == "10000001" and numbers[-1] == "10000300"


def test_a_larger_count_adds_only_the_missing_accounts(hall):
    company = hall.company
    seed_accounts(company=company, count=50, today=TODAY)
    before = snapshot(company)
    assert seed_accounts(company=company, count=80, today=TODAY) == 30
    after = snapshot(company)
    assert after[0][:50] == before[0] and len(after[0]) == 80


def test_the_same_seed_gives_the_same_people_in_any_company(hall):
    one, two = hall.company, CompanyFactory()
    seed_accounts(company=one, count=40, today=TODAY)
    seed_accounts(company=two, count=40, today=TODAY)

    def people(company):
        return list(
            GasAccount.objects.filter(company=company)
            .order_by("number")
            .values_list("number", "holder__name", "holder__id_number", "address", "meter_type")
        )

    assert people(one) == people(two)
    three = CompanyFactory()
    seed_accounts(company=three, count=40, seed=7, today=TODAY)
    assert people(three) != people(one)


def test_personal_data_is_valid_and_plausible(hall):
    seed_accounts(company=hall.company, count=300, today=TODAY)
    customers = list(Customer.objects.filter(company=hall.company))
    assert len(customers) == 300
    for customer in customers:
        validate_id_number(customer.id_number)  # raises if the check digit or birth date is wrong
        validate_phone(customer.phone)
        assert re.fullmatch(r"1[3-9]\d{9}", customer.phone)
        assert 2 <= len(customer.name) <= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", customer.name)
    assert len({c.id_number for c in customers}) == 300
    assert len({c.name for c in customers}) > 150  # not one name repeated
    for account in GasAccount.objects.filter(company=hall.company):
        assert account.address.endswith("室") and account.address[:3].endswith("区")
        assert account.opened_on < TODAY


def test_meter_types_statuses_and_bills_are_realistic(hall):
    seed_accounts(company=hall.company, count=300, today=TODAY)
    accounts = GasAccount.objects.filter(company=hall.company)
    ic_card = accounts.filter(meter_type=GasAccount.MeterType.IC_CARD).count()
    assert 70 <= ic_card <= 130  # about a third prepaid
    closed = accounts.filter(status=GasAccount.Status.CLOSED)
    assert 1 <= closed.count() <= 15
    assert not Bill.objects.filter(account__in=closed, status=Bill.Status.UNPAID).exists()
    assert all(a.closed_on and a.opened_on < a.closed_on <= TODAY for a in closed)
    # Prepaid (IC card) gas is bought before it is used: no monthly bills.
    assert not Bill.objects.filter(account__meter_type=GasAccount.MeterType.IC_CARD).exists()

    bills = Bill.objects.filter(account__company=hall.company)
    assert all(Decimal("30.00") <= b.amount <= Decimal("400.00") for b in bills)
    assert all(b.amount == b.amount.quantize(Decimal("0.01")) for b in bills)
    assert all(
        b.period < "2026-11" and b.due_on > date(int(b.period[:4]), int(b.period[5:]), 1) for b in bills
    )
    assert bills.filter(status=Bill.Status.PAID, settled_at__isnull=False).count() > 300  # paid history
    owing = accounts.filter(bills__status=Bill.Status.UNPAID).distinct().count()
    postpaid_active = accounts.filter(meter_type="postpaid", status="active").count()
    assert owing >= postpaid_active * 0.7  # most postpaid accounts owe 1–3 months
    per_account = Bill.objects.filter(status=Bill.Status.UNPAID).values("account").annotate(n=Count("pk"))
    assert set(per_account.values_list("n", flat=True)) == {1, 2, 3}


def test_every_created_record_has_its_history_row(hall):
    seed_accounts(company=hall.company, count=20, today=TODAY)
    bill = Bill.objects.filter(account__company=hall.company).first()
    assert bill.history.count() == 1 and bill.account.history.count() == 1
    assert bill.account.holder.history.count() == 1


def test_seeding_is_bulk(hall):
    with CaptureQueriesContext(connection) as small:
        seed_accounts(company=hall.company, count=10, today=TODAY)
    with CaptureQueriesContext(connection) as large:
        seed_accounts(company=CompanyFactory(), count=200, today=TODAY)
    # Rows go in by the batch (on PostgreSQL as few queries as for 10; SQLite's batches are smaller):
    # a query per account or per bill would be well over a thousand.
    assert len(large) < 60 and len(small) < 20
