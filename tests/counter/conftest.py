"""Counter fixtures: the hall's default configuration, customers with accounts and bills, staff at posts."""

from datetime import date
from decimal import Decimal

import pytest

from counter.defaults import install_business_types, install_hall_defaults
from counter.models import Bill, BusinessType, TicketCategory
from counter.services import customers as customer_services
from servicecenter.roles import Role

# Valid resident ID numbers (their check digits are right) and mobile numbers for tests.
ID_NUMBERS = ["11010519491231002X", "330102199003071230", "440305198806150021", "110101199001011237"]


@pytest.fixture
def counter_hall(hall):
    """The hall with its ticket queues (A, B, C), checklists, incident steps, and the business types."""
    install_business_types()
    install_hall_defaults(hall)
    return hall


@pytest.fixture
def category(counter_hall):
    """make_category("A") -> the hall's queue with that prefix."""
    return lambda prefix="A", hall=None: TicketCategory.objects.get(hall=hall or counter_hall, prefix=prefix)


@pytest.fixture
def business_type(counter_hall):
    return lambda code: BusinessType.objects.get(code=code)


@pytest.fixture
def make_account(db):
    """make_account(hall, number, bills=[amounts], **holder) -> an account with unpaid bills."""

    def make(hall, number="1000001", *, bills=(), name="张三", id_number="", phone="13812345678", **kwargs):
        holder = customer_services.find_or_register_customer(
            company=hall.company, name=name, id_number=id_number, phone=phone
        )
        account = customer_services.open_account(
            company=hall.company,
            number=number,
            holder=holder,
            address=kwargs.get("address", "城东区人民路1号"),
            meter_type=kwargs.get("meter_type", "postpaid"),
            opened_on=date(2020, 1, 1),
        )
        for i, amount in enumerate(bills):
            Bill.objects.create(
                account=account, number=f"B{number}-{i}", period=f"2026-{i + 1:02d}", amount=Decimal(amount)
            )
        return account

    return make


@pytest.fixture
def rep(make_member, counter_hall):
    return make_member(Role.REP, counter_hall, last_name="李", first_name="娜")


@pytest.fixture
def duty_manager(make_member, counter_hall):
    return make_member(Role.DUTY_MANAGER, counter_hall, last_name="周", first_name="强")


@pytest.fixture
def supervisor(make_member, counter_hall):
    return make_member(Role.SUPERVISOR, counter_hall)


@pytest.fixture
def greeter(make_member, counter_hall):
    return make_member(Role.GREETER, counter_hall)
