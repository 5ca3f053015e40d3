"""Billing fixtures: a hall with its price list, an auditor, reps with receipt books and open tills."""
# ruff: noqa: F811 — fixtures take the re-exported counter fixtures as arguments

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from billing.defaults import install_price_list
from billing.models import FeeItem, Tender
from billing.services import payments, receipts, tills
from counter.models import ChecklistItem
from counter.services import site
from servicecenter.roles import Role
from tests.counter.conftest import (  # noqa: F401 — shared fixtures
    ID_NUMBERS,
    business_type,
    category,
    counter_hall,
    duty_manager,
    greeter,
    make_account,
    rep,
    supervisor,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A morning of the current business day (cut-off 04:00): payments taken "now" in pages and the API fall on
# the same day as those the services record at MORNING.
TODAY = (datetime.now(SHANGHAI) - timedelta(hours=4)).date()
MORNING = datetime.combine(TODAY, time(9, 30), tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _english():
    """Service refusals are matched on their English source text; pages are tested in Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def billing_hall(counter_hall):
    install_price_list(counter_hall.company)
    return counter_hall


@pytest.fixture
def auditor(make_member, billing_hall):
    return make_member(Role.AUDITOR, billing_hall, last_name="王", first_name="芳")


@pytest.fixture
def close_hall(billing_hall, make_member):
    """close_hall(at=None) -> the closing checklist done: the hall has closed, its day may be approved."""

    def do(at=None, hall=None):
        hall = hall or billing_hall
        closer = make_member(Role.DUTY_MANAGER, hall, username=f"closer-{uuid.uuid4().hex[:6]}")
        points = ChecklistItem.objects.filter(hall=hall, kind=ChecklistItem.Kind.CLOSING, is_active=True)
        return site.complete_checklist(
            hall=hall,
            kind=ChecklistItem.Kind.CLOSING,
            answers={p.pk: (True, "") for p in points},
            by=closer,
            at=at,
        )

    return do


@pytest.fixture
def tender(billing_hall):
    return lambda code: Tender.objects.get(company=billing_hall.company, code=code)


@pytest.fixture
def fee(billing_hall):
    return lambda code: FeeItem.objects.get(company=billing_hall.company, code=code)


@pytest.fixture
def issuer(auditor, make_member, billing_hall):
    """issuer(user) -> who hands the user floats and receipt books: the auditor, or for the auditor
    (nobody issues to themselves) a supervisor."""
    others = {}

    def pick(user):
        if user.pk != auditor.pk:
            return auditor
        if "supervisor" not in others:
            others["supervisor"] = make_member(Role.SUPERVISOR, billing_hall, username="stock-supervisor")
        return others["supervisor"]

    return pick


@pytest.fixture
def book_for(auditor, billing_hall, issuer):
    """book_for(rep, first=1, last=100, prefix="A") -> a receipt book received and issued to the rep."""
    counter = {"n": 0}

    def make(user, *, first=None, last=None, prefix="A", hall=None, at=MORNING):
        hall = hall or billing_hall
        if first is None:
            counter["n"] += 1
            first = counter["n"] * 1000 + 1
        last = last or first + 99
        book = receipts.receive_book(
            hall=hall, prefix=prefix, first_number=first, last_number=last, by=auditor, at=at
        )
        return receipts.issue_book(book=book, to=user, by=issuer(user), at=at)

    return make


@pytest.fixture
def open_till_for(auditor, billing_hall, book_for, issuer):
    """open_till_for(rep, float="500.00") -> an open till with the float, and a receipt book in hand."""

    def make(user, *, opening_float="500.00", at=MORNING, hall=None, book=True):
        hall = hall or billing_hall
        if book:
            book_for(user, hall=hall, at=at)
        till = tills.issue_float(hall=hall, rep=user, amount=opening_float, by=issuer(user), at=at)
        return tills.open_till(till=till, by=user, at=at)

    return make


@pytest.fixture
def pay(fee, tender, make_account, billing_hall):
    """pay(till, rep, "123.45", tender="cash", cash="200", account=…, item="alarm") -> a recorded payment
    (an installation fee on a default account unless told otherwise)."""
    accounts = {}

    def make(
        till,
        user,
        amount=None,
        *,
        tender_code="cash",
        cash=None,
        account=None,
        item=None,
        bills=(),
        key=None,
        reference="",
        at=MORNING,
        visit=None,
        quantity=1,
    ):
        lines = [payments.LineInput(fee_item=fee("gas_bill"), bill=b) for b in bills]
        item_needs_account = fee(item or "installation").needs_account
        if account is None and item_needs_account and not bills:
            account = accounts.get("default") or accounts.setdefault(
                "default", make_account(billing_hall, "1999999")
            )
        if item or not bills:
            lines.append(
                payments.LineInput(fee_item=fee(item or "installation"), amount=amount, quantity=quantity)
            )
        return payments.record_payment(
            till=till,
            lines=lines,
            tenders=[payments.TenderInput(tender=tender(tender_code), reference=reference)],
            idempotency_key=key or uuid.uuid4().hex,
            by=user,
            account=account,
            visit=visit,
            cash_tendered=cash,
            at=at,
        )

    return make


def money(text: str) -> Decimal:
    return Decimal(text)
