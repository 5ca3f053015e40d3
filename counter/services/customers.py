"""Customers and gas accounts: registration, details changes, holder transfer, closure, bill settlement,
and showing personal data unmasked (an audited act)."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from counter.errors import CounterError
from counter.models import Bill, Customer, GasAccount
from counter.services.common import now
from counter.validators import mask_id_number, normalize_id_number, normalize_phone
from servicecenter.models import AuditEvent, Company, Hall, User
from servicecenter.services import record_audit_event


def _validated(instance, *, exclude: Iterable[str] = ()) -> None:
    """Model validation as a CounterError carrying every message, field by field."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=True)
    except ValidationError as exc:
        raise CounterError(" ".join(exc.messages), code="invalid") from exc


def find_or_register_customer(
    *, company: Company, name: str, id_number: str = "", phone: str = "", by: User | None = None
) -> Customer:
    """The company's customer with this ID number, or a new customer. A known customer is not changed
    here (details change is its own business)."""
    id_number = normalize_id_number(id_number)
    phone = normalize_phone(phone)
    name = (name or "").strip()
    if id_number:
        existing = Customer.objects.filter(company=company, id_number=id_number).first()
        if existing is not None:
            if name and existing.name != name:
                # A mistyped ID number must not hand an account to somebody else.
                raise CounterError(
                    _("Resident ID %(id)s belongs to a customer named %(name)s, not %(typed)s: check the ID.")
                    % {"id": mask_id_number(id_number), "name": existing.name, "typed": name},
                    code="invalid",
                )
            return existing
    customer = Customer(company=company, name=name, id_number=id_number, phone=phone)
    _validated(customer, exclude=["company"])
    if not name:
        raise CounterError(_("Enter the customer's name."), code="invalid")
    _insert(customer, _("A customer with this resident ID number was registered just now: try again."))
    return customer


def _insert(instance, message) -> None:
    """Save a new row; losing a race to a unique constraint is a refusal with `message`, not a 500."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise CounterError(message, code="conflict") from exc


def open_account(
    *,
    company: Company,
    number: str,
    holder: Customer,
    address: str,
    meter_type: str,
    opened_on: date | None = None,
) -> GasAccount:
    number = (number or "").strip()
    if holder.company_id != company.pk:
        raise CounterError(_("This customer belongs to another company."), code="invalid")
    if GasAccount.objects.filter(company=company, number=number).exists():
        raise CounterError(
            _("Account number %(number)s is already in use.") % {"number": number}, code="invalid"
        )
    account = GasAccount(
        company=company,
        number=number,
        holder=holder,
        address=(address or "").strip(),
        meter_type=meter_type,
        opened_on=opened_on,
    )
    _validated(account, exclude=["company", "holder"])
    _insert(account, _("Account number %(number)s is already in use.") % {"number": number})
    return account


def change_customer_details(
    *, customer: Customer, name: str | None = None, phone: str | None = None
) -> Customer:
    """Correct a customer's name or phone; the history keeps what they were."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if name is not None:
        customer.name = name.strip()
    if phone is not None:
        customer.phone = normalize_phone(phone)
    if not customer.name:
        raise CounterError(_("Enter the customer's name."), code="invalid")
    _validated(customer, exclude=["company"])
    with transaction.atomic(savepoint=False):
        customer.save()
    return customer


def change_account_address(*, account: GasAccount, address: str) -> GasAccount:
    address = (address or "").strip()
    if not address:
        raise CounterError(_("Enter the address."), code="invalid")
    account = GasAccount.objects.select_for_update().get(pk=account.pk)
    with transaction.atomic(savepoint=False):
        account.address = address
        account.save(update_fields=["address"])
    return account


def ensure_no_unpaid_bills(account: GasAccount) -> None:
    owed = account.bills.filter(status=Bill.Status.UNPAID).aggregate(count=Count("pk"), total=Sum("amount"))
    if owed["count"]:
        raise CounterError(
            _(
                "Account %(number)s has %(count)s unpaid bill(s) totalling ¥%(total)s: "
                "they must be paid first."
            )
            % {"number": account.number, "count": owed["count"], "total": f"{owed['total']:,.2f}"},
            code="unpaid_bills",
        )


def transfer_account(*, account: GasAccount, new_holder: Customer) -> GasAccount:
    """过户: the account passes to the new holder; the history keeps the old one. Bills must be settled."""
    account = GasAccount.objects.select_for_update().get(pk=account.pk)
    if account.is_closed:
        raise CounterError(_("Account %(number)s is closed.") % {"number": account.number}, code="closed")
    if new_holder.company_id != account.company_id:
        raise CounterError(_("This customer belongs to another company."), code="invalid")
    if new_holder.pk == account.holder_id:
        raise CounterError(_("The new holder is already the holder of this account."), code="invalid")
    ensure_no_unpaid_bills(account)
    with transaction.atomic(savepoint=False):
        account.holder = new_holder
        account.save(update_fields=["holder"])
    return account


def close_account(*, account: GasAccount, on: date) -> GasAccount:
    """销户: refused while bills are unpaid; a closed account takes no new business but enquiries."""
    account = GasAccount.objects.select_for_update().get(pk=account.pk)
    if account.is_closed:
        raise CounterError(
            _("Account %(number)s is already closed.") % {"number": account.number}, code="closed"
        )
    ensure_no_unpaid_bills(account)
    with transaction.atomic(savepoint=False):
        account.status = GasAccount.Status.CLOSED
        account.closed_on = on
        account.save(update_fields=["status", "closed_on"])
    return account


def settle_bills(*, account: GasAccount, bill_ids: list[int], reference: str, at=None) -> list[Bill]:
    """Mark the account's unpaid bills as paid by a payment (called by billing). All or nothing."""
    at = now(at)
    if not reference:
        raise CounterError(_("A settlement needs the payment's reference."), code="invalid")
    bills = list(Bill.objects.select_for_update().filter(account=account, pk__in=bill_ids).order_by("pk"))
    if len(bills) != len(set(bill_ids)):
        raise CounterError(_("Some of these bills are not bills of this account."), code="invalid")
    paid = [b.number for b in bills if b.status != Bill.Status.UNPAID]
    if paid:
        raise CounterError(_("Already paid: %(bills)s.") % {"bills": ", ".join(paid)}, code="already_paid")
    with transaction.atomic(savepoint=False):
        for bill in bills:
            bill.status = Bill.Status.PAID
            bill.settled_at = at
            bill.settled_reference = reference
            bill.save(update_fields=["status", "settled_at", "settled_reference"])
    return bills


UNMASKABLE_FIELDS = {"id_number": _("resident ID number"), "phone": _("phone")}


def record_unmask(*, by: User, hall: Hall, subject: str, detail: dict) -> None:
    """The audit event of personal data shown in full — one kind of event for customers, businesses and
    complaint contacts."""
    record_audit_event(kind=AuditEvent.Kind.UNMASK, actor=by, hall=hall, subject=subject, detail=detail)


@transaction.atomic
def reveal_personal_data(*, customer: Customer, field: str, hall: Hall, by: User) -> str:
    """The full value of a masked field, for a user allowed to see it; the showing is an audit event."""
    if field not in UNMASKABLE_FIELDS:
        raise CounterError(_("This field cannot be shown."), code="invalid")
    record_unmask(
        by=by, hall=hall, subject=customer.name, detail={"customer_id": customer.pk, "field": field}
    )
    return getattr(customer, field)


def unsettle_bills(*, bill_ids: list[int], reference: str) -> list[Bill]:
    """Bills settled by a payment that has been voided are owed again (called by billing)."""
    bills = list(
        Bill.objects.select_for_update().filter(pk__in=bill_ids, settled_reference=reference).order_by("pk")
    )
    if len(bills) != len(set(bill_ids)):
        raise CounterError(_("These bills were not settled by this payment."), code="invalid")
    with transaction.atomic(savepoint=False):
        for bill in bills:
            bill.status, bill.settled_at, bill.settled_reference = Bill.Status.UNPAID, None, ""
            bill.save(update_fields=["status", "settled_at", "settled_reference"])
    return bills
