"""Finding customers and accounts (indexed lookups), and the account panel of the rep's workspace."""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, Window
from django.http import Http404

from counter.models import Bill, Business, Complaint, Customer, GasAccount, Visit
from counter.validators import mask_id_number, mask_phone, normalize_id_number, normalize_phone
from servicecenter.models import Hall
from servicecenter.money import ZERO

_ID = re.compile(r"^\d{17}[\dXx]$")
_MOBILE = re.compile(r"^1\d{10}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_DIGITS = re.compile(r"^[\d-]{3,20}$")


def _phone_forms(query: str) -> list[str]:
    """The ways a phone number may be stored, if the query is one: a mobile (also written +86 138 1234 5678),
    or a landline with or without the hyphen after its area code."""
    phone = normalize_phone(query)
    if _MOBILE.match(phone):
        return [phone]
    if _LANDLINE.match(phone):
        digits = phone.replace("-", "")
        return [digits, f"{digits[:3]}-{digits[3:]}", f"{digits[:4]}-{digits[4:]}"]
    return []


def search_accounts(*, hall: Hall, query: str, limit: int = 20) -> list[GasAccount]:
    """Accounts of the hall's company by account number (exact or prefix), phone, holder name (prefix) or
    resident ID. Each kind of query uses its own index: no scan, whatever the number of accounts."""
    query = (query or "").strip()
    if not query:
        return []
    company_id = hall.company_id
    accounts = GasAccount.objects.filter(company_id=company_id).select_related("holder")
    order = ["number"]
    if _ID.match(query):
        accounts = accounts.filter(
            holder__company_id=company_id, holder__id_number=normalize_id_number(query)
        )
    elif phones := _phone_forms(query):
        # Two indexed lookups combined by id: an OR across the two tables would walk every account.
        by_number = GasAccount.objects.filter(company_id=company_id, number=query).values("pk")
        by_phone = GasAccount.objects.filter(
            company_id=company_id, holder__company_id=company_id, holder__phone__in=phones
        ).values("pk")
        accounts = accounts.filter(pk__in=by_number.union(by_phone))
    elif _DIGITS.match(query):
        accounts = accounts.filter(number__startswith=query)
        if query.isdigit():
            # The prefix as a range too, so that the number index is sought, not walked in order
            # (digit strings sort alike in every collation).
            accounts = accounts.filter(number__gte=query, number__lt=query[:-1] + chr(ord(query[-1]) + 1))
    else:
        accounts = accounts.filter(holder__company_id=company_id, holder__name__startswith=query)
        order = ["holder__name", "number"]  # Postgres then starts from the name index
    return list(accounts.order_by(*order)[:limit])


def get_account(*, hall: Hall, account_id) -> GasAccount:
    """An account of the hall's company, else 404."""
    try:
        return GasAccount.objects.select_related("holder").get(pk=int(account_id), company_id=hall.company_id)
    except (GasAccount.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def get_customer(*, hall: Hall, customer_id) -> Customer:
    try:
        return Customer.objects.get(pk=int(customer_id), company_id=hall.company_id)
    except (Customer.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


@dataclass
class MaskedCustomer:
    """What the screen and the API show of a customer unless the user has unmasked it."""

    id: int
    name: str
    id_number: str
    phone: str


def masked(customer: Customer) -> MaskedCustomer:
    return MaskedCustomer(
        id=customer.pk,
        name=customer.name,
        id_number=mask_id_number(customer.id_number),
        phone=mask_phone(customer.phone),
    )


@dataclass
class AccountPanel:
    account: GasAccount
    holder: MaskedCustomer
    unpaid_bills: list[Bill]
    unpaid_total: Decimal
    recent_bills: list[Bill]
    visits: list[Visit]
    visit_count: int
    open_businesses: list[Business]
    open_complaints: list[Complaint]


def account_panel(account: GasAccount, *, hall: Hall, visits: int = 10, bills: int = 12) -> AccountPanel:
    """The account as the rep sees it in this hall: its bills, and this hall's visits and open cases (another
    hall's work is that hall's). Five queries, however long its history."""
    # Every unpaid bill and the latest paid ones, in one query.
    latest_paid = account.bills.filter(status=Bill.Status.PAID).order_by("-period", "-number")[:bills]
    bill_rows = list(
        account.bills.filter(Q(status=Bill.Status.UNPAID) | Q(pk__in=latest_paid.values("pk"))).order_by(
            "-period", "-number"
        )
    )
    unpaid = sorted(
        (b for b in bill_rows if b.status == Bill.Status.UNPAID), key=lambda b: (b.period, b.number)
    )
    recent = [b for b in bill_rows if b.status != Bill.Status.UNPAID][:bills]
    past = list(
        Visit.objects.filter(account=account, hall=hall, ended_at__isnull=False)
        .annotate(total=Window(Count("pk")))
        .select_related("rep", "window", "ticket")
        .prefetch_related(
            Prefetch("businesses", queryset=Business.objects.select_related("business_type").order_by("pk"))
        )
        .order_by("-started_at")[:visits]
    )
    open_businesses = list(
        Business.objects.filter(account=account, hall=hall, status__in=Business.OPEN_STATUSES)
        .select_related("business_type")
        .order_by("reply_due", "pk")
    )
    open_complaints = list(
        Complaint.objects.filter(account=account, hall=hall, status__in=Complaint.OPEN_STATUSES)
        .select_related("owner")
        .order_by("-is_vip", "received_at")
    )
    return AccountPanel(
        account=account,
        holder=masked(account.holder),
        unpaid_bills=unpaid,
        unpaid_total=sum((b.amount for b in unpaid), start=ZERO),
        recent_bills=recent,
        visits=past,
        visit_count=past[0].total if past else 0,
        open_businesses=open_businesses,
        open_complaints=open_complaints,
    )


def unpaid_bills(account: GasAccount, *, ids=None) -> list[Bill]:
    """The account's unpaid bills, oldest period first (only those of `ids`, if given)."""
    bills = account.bills.filter(status=Bill.Status.UNPAID)
    if ids is not None:
        bills = bills.filter(pk__in=ids)
    return list(bills.order_by("period", "number"))
