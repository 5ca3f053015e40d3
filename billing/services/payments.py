"""Payments (spec §4.1): bills, prepaid top-ups, VAS and fees, paid by one or more tenders; idempotent."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from billing.errors import BillingError
from billing.models import FeeItem, HallDay, Payment, PaymentLine, PaymentTender, Receipt, Tender, Till
from billing.services import payments_sql
from billing.services.common import (
    as_billing_error,
    hold_open_day,
    now,
    parse_amount,
    reason_given,
    refuse_closed_day,
    require_hall_perm,
)
from billing.services.receipts import (
    locked_rep_book,
    next_receipt,
    no_receipts_left,
    save_receipt,
    void_payment_receipt,
)
from counter.errors import CounterError
from counter.models import Bill, GasAccount, Visit, Workflow
from counter.services import businesses as counter_businesses
from counter.services import customers as counter_customers
from servicecenter import scoping
from servicecenter.clock import business_day
from servicecenter.models import Hall, User
from servicecenter.money import ZERO, quantize

MAX_LINES = 50


@dataclass
class LineInput:
    """A line as entered: a fee item, and a bill (gas bills), an amount (top-ups, quotes) or a quantity."""

    fee_item: FeeItem
    amount: object = None
    quantity: int = 1
    bill: Bill | None = None


@dataclass
class TenderInput:
    tender: Tender
    amount: object = None
    reference: str = ""


@dataclass
class _Line:
    fee_item: FeeItem
    description: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    bill: Bill | None = None


@dataclass
class PaymentPlan:
    """A payment validated before anything is written: its lines, tenders, total, cash and change."""

    lines: list[_Line]
    tenders: list[tuple[Tender, Decimal, str]]
    total: Decimal
    cash_due: Decimal = ZERO
    cash_tendered: Decimal = ZERO
    change: Decimal = ZERO
    bills: list[Bill] = field(default_factory=list)
    prepaid: bool = False


def plan_payment(
    *,
    company_id: int,
    account: GasAccount | None,
    lines: list[LineInput],
    tenders: list[TenderInput],
    cash_tendered=None,
) -> PaymentPlan:
    """Check a payment as entered and work out its amounts; raises with the first problem found.

    Pure (no writes, only reads of what it was given), so the payment form can show the total and the
    change as the rep types, and `record_payment` applies the very same rules.
    """
    if not lines:
        raise BillingError(_("Add at least one item to pay."))
    if len(lines) > MAX_LINES:
        raise BillingError(_("Too many items in one payment."))
    if account is not None and account.company_id != company_id:
        raise BillingError(_("This account is not one of this company's."))
    if account is not None and account.is_closed:
        raise BillingError(
            _("Account %(number)s is closed: it takes no payments.") % {"number": account.number}
        )
    planned: list[_Line] = []
    bills: list[Bill] = []
    prepaid = False
    for entry in lines:
        item = entry.fee_item
        if item.company_id != company_id or not item.is_active:
            raise BillingError(_("%(item)s is not on the price list.") % {"item": item.name})
        if item.needs_account and account is None:
            raise BillingError(
                _("%(item)s needs the customer's gas account: look it up first.") % {"item": item.name}
            )
        if item.kind == FeeItem.Kind.BILL:
            bill = entry.bill
            if bill is None or account is None or bill.account_id != account.pk:
                raise BillingError(_("Choose the bills of this account to pay."))
            if bill.status != Bill.Status.UNPAID:
                raise BillingError(_("Bill %(bill)s is already paid.") % {"bill": bill.number})
            if any(b.pk == bill.pk for b in bills):
                raise BillingError(_("Bill %(bill)s is listed twice.") % {"bill": bill.number})
            bills.append(bill)
            planned.append(
                _Line(
                    item,
                    _("Gas bill %(period)s (%(bill)s)") % {"period": bill.period, "bill": bill.number},
                    1,
                    bill.amount,
                    bill.amount,
                    bill,
                )
            )
            continue
        quantity = entry.quantity
        if not isinstance(quantity, int) or not (1 <= quantity <= 999):
            raise BillingError(
                _("%(item)s: the quantity is a whole number from 1 to 999.") % {"item": item.name}
            )
        unit = item.price if item.price is not None else parse_amount(entry.amount, label=item.name)
        if item.kind == FeeItem.Kind.PREPAID:
            prepaid = True
        planned.append(_Line(item, item.name, quantity, unit, quantize(unit * quantity)))
    total = quantize(sum((line.amount for line in planned), ZERO))
    parse_amount(total, label=_("Total"))
    if not tenders:
        raise BillingError(_("Choose how the customer pays."))
    paid: list[tuple[Tender, Decimal, str]] = []
    seen: set[int] = set()
    cash_due = ZERO
    for entry in tenders:
        tender = entry.tender
        if tender.company_id != company_id or not tender.is_active:
            raise BillingError(_("%(tender)s is not accepted.") % {"tender": tender.name})
        if tender.pk in seen:
            raise BillingError(_("%(tender)s is listed twice.") % {"tender": tender.name})
        seen.add(tender.pk)
        amount = (
            total
            if entry.amount in (None, "") and len(tenders) == 1
            else parse_amount(entry.amount, label=tender.name)
        )
        reference = (entry.reference or "").strip()
        if tender.needs_reference:
            if not reference:
                raise BillingError(
                    _("%(tender)s: scan or enter the transaction reference.") % {"tender": tender.name}
                )
            if len(reference) > 64 or not all(
                ch.isascii() and (ch.isalnum() or ch in "-_") for ch in reference
            ):
                raise BillingError(
                    _("%(tender)s: the transaction reference is letters and digits.")
                    % {"tender": tender.name}
                )
        else:
            reference = ""
        if tender.is_cash:
            cash_due = amount
        paid.append((tender, amount, reference))
    tendered_total = quantize(sum((amount for _t, amount, _r in paid), ZERO))
    if tendered_total != total:
        raise BillingError(
            _("The tenders add up to %(paid)s but %(total)s is due.")
            % {"paid": f"¥{tendered_total:,.2f}", "total": f"¥{total:,.2f}"}
        )
    plan = PaymentPlan(
        lines=planned, tenders=paid, total=total, cash_due=cash_due, bills=bills, prepaid=prepaid
    )
    if cash_due:
        handed = (
            cash_due
            if cash_tendered in (None, "")
            else parse_amount(cash_tendered, label=_("Cash handed over"))
        )
        if handed < cash_due:
            raise BillingError(
                _("The customer handed over %(handed)s, less than the %(due)s due in cash.")
                % {"handed": f"¥{handed:,.2f}", "due": f"¥{cash_due:,.2f}"},
                code="short_tendered",
            )
        plan.cash_tendered, plan.change = handed, quantize(handed - cash_due)
    return plan


@dataclass(frozen=True)
class LineEntry:
    """A line as a client sends it: the fee item's id, an amount or a quantity, a bill's id (gas bills)."""

    fee_item: int
    amount: object = None
    quantity: int = 1
    bill: int | None = None


@dataclass(frozen=True)
class TenderEntry:
    tender: int
    amount: object = None
    reference: str = ""


class NotInScope(Exception):
    """An id sent is not a row this user may use in this hall: the API answers it field by field."""


@dataclass
class Taken:
    """A payment as `take_payment` answers it: the rows just written (no need to read them back), or, for a
    key already used, the payment it made then (`created` false, nothing else)."""

    payment: Payment
    created: bool
    lines: list[PaymentLine] = field(default_factory=list)
    tenders: list[PaymentTender] = field(default_factory=list)
    receipt: Receipt | None = None


def record_payment(
    *,
    till: Till,
    lines: list[LineInput],
    tenders: list[TenderInput],
    idempotency_key: str,
    by: User,
    account: GasAccount | None = None,
    visit: Visit | None = None,
    cash_tendered=None,
    at: datetime | None = None,
) -> Payment:
    """Take a payment into the rep's open till, issue its receipt, settle the bills it pays.

    The same idempotency key again (a double click, a retried request) returns the payment already made.
    """
    return _take(
        till_id=till.pk,
        lines=[
            LineEntry(ln.fee_item.pk, ln.amount, ln.quantity, ln.bill.pk if ln.bill is not None else None)
            for ln in lines
        ],
        tenders=[TenderEntry(entry.tender.pk, entry.amount, entry.reference) for entry in tenders],
        account_id=account.pk if account is not None else None,
        visit=visit,
        cash_tendered=cash_tendered,
        idempotency_key=idempotency_key,
        by=by,
        at=at,
        scope_id=None,
    ).payment


def take_payment(
    *,
    hall_id: int,
    till_id: int,
    lines: list[LineEntry],
    tenders: list[TenderEntry],
    idempotency_key: str,
    by: User,
    account_id: int | None = None,
    visit: Visit | None = None,
    cash_tendered=None,
    at: datetime | None = None,
) -> Taken:
    """`record_payment` for a client that sends ids (the API): the same rules, the rows written returned.

    The hall is the request's: Http404 outside the user's halls, PermissionDenied without the right to take
    payments there (checked in the same round trip as the till is locked — only the user's own till in
    that hall is). Raises NotInScope when an id is not one the user may use there — the till (theirs, in
    this hall), the account, fee items, tenders or bills (the hall's company's) — before anything is written.
    """
    return _take(
        till_id=till_id,
        lines=lines,
        tenders=tenders,
        account_id=account_id,
        visit=visit,
        cash_tendered=cash_tendered,
        idempotency_key=idempotency_key,
        by=by,
        at=at,
        scope_id=hall_id,
    )


def _set_based() -> bool:
    """Whether payments are read and written set-based (payments_sql: PostgreSQL; the setting lets the
    tests run the ORM path, the portable reference, on the same database)."""
    return connection.vendor == "postgresql" and getattr(settings, "BILLING_SET_BASED_PAYMENTS", True)


@transaction.atomic(durable=True)
def _take(
    *,
    till_id: int,
    lines: list[LineEntry],
    tenders: list[TenderEntry],
    account_id: int | None,
    visit: Visit | None,
    cash_tendered,
    idempotency_key: str,
    by: User,
    at: datetime | None,
    scope_id: int | None,
) -> Taken:
    at = now(at)
    key = (idempotency_key or "").strip()
    if not (8 <= len(key) <= 64) or not key.isascii():
        raise BillingError(_("The payment form has expired: open it again."), code="idempotency")
    set_based = _set_based()
    # The till's row lock serialises the payments of one till, so the same key sent twice at once is
    # seen by the second request once the first has committed.
    held, access_rows = (_lock_and_read_sql if set_based else _lock_and_read_orm)(
        till_id=till_id,
        rep=by,
        key=key,
        fee_item_ids=sorted({entry.fee_item for entry in lines}),
        tender_ids=sorted({entry.tender for entry in tenders}),
        account_id=account_id,
        hall_id=scope_id,
        # The user's halls and roles in the same round trip, unless already known in this request.
        access=scoping.access_statement(by) if set_based else None,
    )
    if access_rows is not None:
        scoping.remember_access(by, access_rows)
    scope = None
    if scope_id is not None:
        scope = scoping.get_hall_for_user(by, scope_id, "billing.take_payment")
    if held is None:
        if scope is not None:
            raise NotInScope("till")
        raise Till.DoesNotExist
    till, hall = held.till, held.till.hall
    bills = _bills(lines)
    if scope is not None:
        _check_scope(scope, held, lines, tenders, account_id, bills)
    if held.existing is not None:
        payment_id, hall_id = held.existing
        if hall_id != hall.pk:
            raise BillingError(_("This payment key was already used in another hall."), code="idempotency")
        existing = Payment.objects.get(pk=payment_id)
        transaction.set_rollback(True)  # nothing of this request stays: the till does not count it
        return Taken(payment=existing, created=False)
    require_hall_perm(by, hall, "billing.take_payment")
    if till.rep_id != by.pk:
        raise BillingError(_("This till is a colleague's: payments go into your own till."), code="forbidden")
    if till.state != Till.State.OPEN:
        raise BillingError(
            _("This till is not open: open a till before taking payments."), code="till_closed"
        )
    if till.business_day != business_day(hall, at):
        # Money belongs to the day it is taken: a till left open past the cut-off is counted first.
        raise BillingError(
            _("This till belongs to the business day %(day)s, which has ended: count it and open a new one.")
            % {"day": till.business_day},
            code="till_closed",
        )
    account = held.account
    if visit is not None:
        if visit.hall_id != hall.pk or visit.rep_id != by.pk or not visit.is_open:
            raise BillingError(_("This visit is not open at your window."))
        account = account or visit.account
    plan = plan_payment(
        company_id=hall.company_id,
        account=account,
        lines=[
            LineInput(
                fee_item=_found(held.fee_items, entry.fee_item, "lines"),
                amount=entry.amount,
                quantity=entry.quantity,
                bill=bills.get(entry.bill),
            )
            for entry in lines
        ],
        tenders=[
            TenderInput(
                tender=_found(held.tenders, entry.tender, "tenders"),
                amount=entry.amount,
                reference=entry.reference,
            )
            for entry in tenders
        ],
        cash_tendered=cash_tendered,
    )
    day = till.business_day
    refuse_closed_day(state=held.day_state, day=day)
    if held.book is None:
        raise no_receipts_left()
    payment = Payment(
        hall=hall,
        business_day=day,
        number=f"{till.number}-{till.payments_taken:04d}",
        till=till,
        rep=by,
        window=visit.window if visit else till.window,
        visit=visit,
        account=account,
        idempotency_key=key,
        total=plan.total,
        cash_tendered=plan.cash_tendered,
        change=plan.change,
        created_at=at,
        card_write=Payment.CardWrite.PENDING if plan.prepaid else Payment.CardWrite.NOT_NEEDED,
    )
    payment_lines = [
        PaymentLine(
            payment=payment,
            fee_item=ln.fee_item,
            bill=ln.bill,
            description=ln.description[:100],
            quantity=ln.quantity,
            unit_price=ln.unit_price,
            amount=ln.amount,
        )
        for ln in plan.lines
    ]
    payment_tenders = [
        PaymentTender(payment=payment, tender=t, amount=a, reference=r) for t, a, r in plan.tenders
    ]
    receipt = next_receipt(held.book, hall_id=hall.pk, day=day, payment=payment, by=by, at=at)
    # No duplicate key can get here: it was looked up under the till's lock, and a rep has one live till.
    (_write_sql if set_based else _write_orm)(
        payment=payment, lines=payment_lines, tenders=payment_tenders, book=held.book, receipt=receipt, by=by
    )
    payment._loaded_day = (hall.pk, day)
    try:
        if plan.bills:
            # Locks the bills and checks them again: a colleague may have just taken the same bill.
            counter_customers.settle_bills(
                account=account, bill_ids=[b.pk for b in plan.bills], reference=payment.number, at=at
            )
        if visit is not None:
            workflow = Workflow.VAS_SALE if all(ln.fee_item.is_vas for ln in plan.lines) else Workflow.PAYMENT
            counter_businesses.record_settled_business(
                visit=visit, workflow=workflow, reference=payment.number, by=by, at=at
            )
    except CounterError as error:
        raise as_billing_error(error) from None
    return Taken(payment, True, payment_lines, payment_tenders, receipt)


def _found(rows: dict, pk: int, field_name: str):
    row = rows.get(pk)
    if row is None:  # only a client can send an id that is not a row (record_payment is given rows)
        raise NotInScope(field_name)
    return row


def _bills(lines: list[LineEntry]) -> dict[int, Bill]:
    ids = {entry.bill for entry in lines if entry.bill is not None}
    return Bill.objects.in_bulk(ids) if ids else {}


def _check_scope(hall: Hall, held, lines, tenders, account_id, bills: dict[int, Bill]) -> None:
    """What the API's lookups would accept (billing.api.common): the hall's company's account, fee items,
    tenders and bills. (The till was read only if it is the rep's own in this hall.)"""
    company = hall.company_id
    if account_id is not None and (held.account is None or held.account.company_id != company):
        raise NotInScope("account")
    for entry in lines:
        if _found(held.fee_items, entry.fee_item, "lines").company_id != company:
            raise NotInScope("lines")
        if entry.bill is not None:
            bill = bills.get(entry.bill)
            if bill is None or bill.account.company_id != company:
                raise NotInScope("lines")
    for entry in tenders:
        if _found(held.tenders, entry.tender, "tenders").company_id != company:
            raise NotInScope("tenders")


# --- The ORM path: portable (SQLite), and the reference the set-based path is tested against -------------


def _lock_and_read_orm(
    *, till_id, rep, key, fee_item_ids, tender_ids, account_id, hall_id, access
) -> tuple[payments_sql.Held | None, None]:
    tills = Till.objects.filter(pk=till_id)
    if hall_id is not None:
        tills = tills.filter(hall_id=hall_id, rep=rep)
    till = tills.select_for_update(of=("self",)).select_related("hall", "window").first()
    if till is None:
        return None, None
    till.payments_taken += 1  # counted in as the set-based lock does (written with the payment)
    hall_day = HallDay.hold(hall=till.hall, day=till.business_day)
    return payments_sql.Held(
        till=till,
        day_state=hall_day.state,
        existing=Payment.objects.filter(rep=rep, idempotency_key=key).values_list("pk", "hall_id").first(),
        book=locked_rep_book(hall_id=till.hall_id, rep_id=rep.pk),
        fee_items=FeeItem.objects.in_bulk(fee_item_ids),
        tenders=Tender.objects.in_bulk(tender_ids),
        account=GasAccount.objects.filter(pk=account_id).first() if account_id is not None else None,
    ), None


def _write_orm(*, payment, lines, tenders, book, receipt, by) -> None:
    payment._history_user = by
    payment.save(day_held=True)
    bulk_create_with_history(lines, PaymentLine, default_user=by)
    try:
        with transaction.atomic(savepoint=True):
            bulk_create_with_history(tenders, PaymentTender, default_user=by)
    except IntegrityError:
        raise _duplicate_reference() from None
    save_receipt(book, receipt, by=by)
    Till.objects.filter(pk=payment.till_id).update(payments_taken=payment.till.payments_taken)


# --- The set-based path (PostgreSQL) ------------------------------------------------------------------


def _lock_and_read_sql(
    *, till_id, rep, hall_id, access, **kwargs
) -> tuple[payments_sql.Held | None, list | None]:
    held, access_rows = payments_sql.lock_and_read(
        till_id=till_id, rep=rep, hall_id=hall_id, access=access, **kwargs
    )
    if held is None:
        # The till's business day may have no row yet (a till numbered before the day's row existed): make
        # it, as the ORM path's hold does, and read again. (The till may then have counted this payment in
        # twice: a payment number is skipped, never repeated — only receipt numbers are gapless.)
        tills = Till.objects.filter(pk=till_id)
        if hall_id is not None:
            tills = tills.filter(hall_id=hall_id, rep=rep)
        day = tills.values_list("hall_id", "business_day").first()
        if day is not None:
            HallDay.ensure(hall=Hall(pk=day[0]), day=day[1])
            held, _ = payments_sql.lock_and_read(till_id=till_id, rep=rep, hall_id=hall_id, **kwargs)
    return held, access_rows


def _write_sql(**kwargs) -> None:
    try:
        payments_sql.write(**kwargs)
    except IntegrityError as error:
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
        if constraint == "tender_reference_unique":
            raise _duplicate_reference() from None
        raise


def _duplicate_reference() -> BillingError:
    # A channel's reference is unique across tills: another rep may have recorded it at this very moment.
    return BillingError(
        _("This transaction reference was already used by another payment."), code="duplicate_reference"
    )


def _locked_payment(payment: Payment) -> Payment:
    return Payment.objects.select_for_update(of=("self",)).select_related("hall", "till").get(pk=payment.pk)


@transaction.atomic(durable=True)
def confirm_card_write(
    *, payment: Payment, written: bool, note: str = "", by: User, at: datetime | None = None
) -> Payment:
    """The rep confirms the prepaid card was written (or says it failed: the auditor follows it up)."""
    payment = _locked_payment(payment)
    require_hall_perm(by, payment.hall, "billing.take_payment")
    if payment.rep_id != by.pk:
        raise BillingError(_("Only the rep who took the payment confirms its card write."), code="forbidden")
    if payment.card_write == Payment.CardWrite.NOT_NEEDED:
        raise BillingError(_("This payment has no card to write."))
    if payment.status == Payment.Status.VOIDED:
        raise BillingError(_("This payment is voided."))
    if payment.card_write == Payment.CardWrite.CONFIRMED:
        raise BillingError(_("The card write is already confirmed."))
    hold_open_day(hall=payment.hall, day=payment.business_day)
    payment.card_write = Payment.CardWrite.CONFIRMED if written else Payment.CardWrite.FAILED
    payment.card_write_note = (note or "").strip()[:200]
    payment._history_user = by
    payment.save(update_fields=["card_write", "card_write_note"])
    return payment


@transaction.atomic(durable=True)
def request_void(*, payment: Payment, reason: str, by: User, at: datetime | None = None) -> Payment:
    """Ask for a payment taken today to be voided (a supervisor approves); its till must still be open."""
    at = now(at)
    payment = _locked_payment(payment)
    require_hall_perm(by, payment.hall, "billing.take_payment")
    if payment.rep_id != by.pk:
        raise BillingError(_("Only the rep who took the payment asks for its void."), code="forbidden")
    reason = reason_given(reason)
    if payment.status != Payment.Status.COMPLETED:
        raise BillingError(_("This payment is already voided or waiting for approval."))
    _check_voidable(payment, at)
    hold_open_day(hall=payment.hall, day=payment.business_day)
    payment.status, payment.void_reason = Payment.Status.VOID_REQUESTED, reason[:200]
    payment.void_requested_at, payment.void_requested_by = at, by
    payment._history_user = by
    payment.save(update_fields=["status", "void_reason", "void_requested_at", "void_requested_by"])
    return payment


def _check_voidable(payment: Payment, at: datetime) -> None:
    if payment.business_day != business_day(payment.hall, at):
        raise BillingError(_("Only a payment of today can be voided; earlier ones are reversed."))
    if payment.till.state != Till.State.OPEN:
        raise BillingError(_("The till of this payment is already counted: request a reversal instead."))


@transaction.atomic(durable=True)
def decide_void(*, payment: Payment, approve: bool, by: User, at: datetime | None = None) -> Payment:
    """A supervisor approves (the payment, its receipt and its bill settlements are voided) or refuses."""
    at = now(at)
    payment = _locked_payment(payment)
    require_hall_perm(by, payment.hall, "billing.approve_payment_void")
    if payment.status != Payment.Status.VOID_REQUESTED:
        raise BillingError(_("No void is waiting for approval on this payment."))
    if payment.void_requested_by_id == by.pk:
        raise BillingError(_("Someone else must approve a void you asked for."), code="forbidden")
    Till.objects.select_for_update().filter(pk=payment.till_id).first()
    payment.till.refresh_from_db(fields=["state"])
    if approve:
        _check_voidable(payment, at)
    hold_open_day(hall=payment.hall, day=payment.business_day)
    payment._history_user = by
    if not approve:
        payment.status = Payment.Status.COMPLETED
        payment.save(update_fields=["status"])
        return payment
    payment.status, payment.voided_at, payment.voided_by = Payment.Status.VOIDED, at, by
    payment.save(update_fields=["status", "voided_at", "voided_by"])
    void_payment_receipt(payment=payment, reason=payment.void_reason, by=by, at=at)
    for tender in payment.tenders.all():  # its channel references may be paid into a corrected payment
        tender.counts = False
        tender._history_user = by
        tender.save(update_fields=["counts"])
    bill_ids = list(payment.lines.exclude(bill=None).values_list("bill_id", flat=True))
    if bill_ids:
        try:
            counter_customers.unsettle_bills(bill_ids=bill_ids, reference=payment.number)
        except CounterError as error:
            raise as_billing_error(error) from None
    return payment
