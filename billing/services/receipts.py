"""Receipt stock (spec §4.2): books received from finance, issued to reps, numbers used in order, voids."""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from billing.errors import BillingError
from billing.models import Payment, Receipt, ReceiptBook, ReceiptReprint
from billing.services.common import hold_open_day, now, reason_given, require_hall_perm
from servicecenter.clock import business_day
from servicecenter.models import Company, Hall, User
from servicecenter.scoping import has_hall_perm

MAX_BOOK_SIZE = 100_000
MAX_NUMBER = 2_000_000_000  # fits the database's integer column with room to spare


@transaction.atomic(durable=True)
def receive_book(
    *,
    hall: Hall,
    prefix: str,
    first_number: int,
    last_number: int,
    digits: int = 8,
    by: User,
    at: datetime | None = None,
) -> ReceiptBook:
    """Record a book (or roll) received from finance. Its range may not overlap another book's."""
    at = now(at)
    require_hall_perm(by, hall, "billing.manage_receipt_stock")
    prefix = (prefix or "").strip().upper()
    if len(prefix) > 10 or not all(ch.isascii() and ch.isalnum() for ch in prefix):
        raise BillingError(_("The prefix is up to 10 letters or digits."))
    if not (0 < first_number <= last_number):
        raise BillingError(_("The range runs from a first number to a last number not smaller than it."))
    if last_number - first_number + 1 > MAX_BOOK_SIZE:
        raise BillingError(_("A book holds at most %(n)s numbers.") % {"n": MAX_BOOK_SIZE})
    if last_number > MAX_NUMBER:
        raise BillingError(_("Receipt numbers go up to %(n)s.") % {"n": MAX_NUMBER})
    if not (1 <= digits <= 10) or len(str(last_number)) > digits:
        raise BillingError(_("The last number does not fit in %(n)s digits.") % {"n": digits})
    # Receipt numbers are unique in the company: books are received one at a time (the company's row lock),
    # so two overlapping books cannot both pass the check.
    Company.objects.select_for_update().get(pk=hall.company_id)
    overlap = _overlapping_book(hall.company_id, prefix, digits, first_number, last_number)
    if overlap is not None:
        raise BillingError(_("These numbers overlap book %(book)s.") % {"book": overlap})
    book = ReceiptBook(
        hall=hall,
        prefix=prefix,
        first_number=first_number,
        last_number=last_number,
        digits=digits,
        next_number=first_number,
        received_at=at,
        received_by=by,
    )
    book._history_user = by
    book.save()
    return book


def _printed_range(prefix: str, digits: int, first: int, last: int) -> tuple[str, int, int, int]:
    """A range as printed numbers: the prefix's trailing digits belong to the number ("A0" + 7 digits
    prints like "A" + 8 digits), so ranges compare as (letters, width, first, last)."""
    letters = prefix.rstrip("0123456789")
    lead = prefix[len(letters) :]
    width = len(lead) + digits
    return letters, width, int(f"{lead}{first:0{digits}d}"), int(f"{lead}{last:0{digits}d}")


def _overlapping_book(company_id: int, prefix: str, digits: int, first: int, last: int) -> ReceiptBook | None:
    """A book of the company whose printed numbers meet this range's."""
    letters, width, low, high = _printed_range(prefix, digits, first, last)
    for book in ReceiptBook.objects.filter(hall__company_id=company_id).only(
        "prefix", "digits", "first_number", "last_number"
    ):
        other = _printed_range(book.prefix, book.digits, book.first_number, book.last_number)
        if other[:2] == (letters, width) and low <= other[3] and other[2] <= high:
            return book
    return None


def _locked_book(book: ReceiptBook) -> ReceiptBook:
    return ReceiptBook.objects.select_for_update().select_related("hall").get(pk=book.pk)


@transaction.atomic(durable=True)
def issue_book(*, book: ReceiptBook, to: User, by: User, at: datetime | None = None) -> ReceiptBook:
    """Hand a book from stock to a rep (who holds which range is always known)."""
    at = now(at)
    book = _locked_book(book)
    require_hall_perm(by, book.hall, "billing.manage_receipt_stock")
    if book.status != ReceiptBook.Status.IN_STOCK:
        raise BillingError(_("Only a book in stock can be issued."))
    if to.pk == by.pk:
        raise BillingError(_("Nobody issues receipt stock to themselves: ask a colleague."), code="forbidden")
    if not has_hall_perm(to, book.hall, "billing.take_payment"):
        raise BillingError(_("%(name)s does not take payments in this hall.") % {"name": to.display_name})
    book.status, book.holder, book.issued_at = ReceiptBook.Status.ISSUED, to, at
    book._history_user = by
    book.save(update_fields=["status", "holder", "issued_at"])
    return book


@transaction.atomic(durable=True)
def return_book(*, book: ReceiptBook, by: User, at: datetime | None = None) -> ReceiptBook:
    """Take a book's unused numbers back into stock (at handover or the end of the day)."""
    book = _locked_book(book)
    require_hall_perm(by, book.hall, "billing.manage_receipt_stock")
    if book.holder_id is None:
        raise BillingError(_("This book is not in anyone's hands."))
    if book.status == ReceiptBook.Status.ISSUED:
        book.status = ReceiptBook.Status.IN_STOCK
    book.holder, book.issued_at = None, None  # a used-up book comes back for the archive
    book._history_user = by
    book.save(update_fields=["status", "holder", "issued_at"])
    return book


def no_receipts_left() -> BillingError:
    return BillingError(
        _("No receipt numbers left in your hands: ask the auditor for a receipt book."), code="no_receipts"
    )


def locked_rep_book(*, hall_id: int, rep_id: int) -> ReceiptBook | None:
    """The book the rep uses now (the first of theirs with numbers left), under its row lock: the lock makes
    the numbers of one book strictly sequential."""
    return (
        ReceiptBook.objects.select_for_update()
        .filter(hall_id=hall_id, holder_id=rep_id, status=ReceiptBook.Status.ISSUED)
        .order_by("prefix", "first_number")
        .first()
    )


def next_receipt(
    book: ReceiptBook,
    *,
    hall_id: int,
    day,
    payment: Payment | None,
    by: User,
    at: datetime,
    void_reason: str = "",
) -> Receipt:
    """The locked book's next number as a new (unsaved) receipt; the book's counter moves on in memory.

    The caller saves both in its transaction, so a refused payment gives its number back.
    """
    sequence = book.next_number
    book.next_number += 1
    if book.next_number > book.last_number:
        book.status = ReceiptBook.Status.USED_UP
    receipt = Receipt(
        hall_id=hall_id,
        business_day=day,
        book=book,
        sequence=sequence,
        number=book.format(sequence),
        payment=payment,
        issued_at=at,
        issued_by=by,
    )
    if void_reason:
        receipt.status, receipt.void_reason, receipt.voided_at, receipt.voided_by = (
            Receipt.Status.VOIDED,
            void_reason,
            at,
            by,
        )
    return receipt


def save_receipt(book: ReceiptBook, receipt: Receipt, *, by: User) -> Receipt:
    """Write a number used: the receipt with its history, and the book's counter — in the book's history
    only when it changes its state (used up): each number used is a receipt, with its own history."""
    book._history_user = by
    if book.status == ReceiptBook.Status.ISSUED:
        book.skip_history_when_saving = True
    try:
        book.save(update_fields=["next_number", "status"])
    finally:
        book.__dict__.pop("skip_history_when_saving", None)
    receipt._history_user = by
    receipt.save(day_held=True)  # every caller holds the open day (hold_open_day) before taking a number
    return receipt


def take_next_number(
    *, hall: Hall, rep: User, payment: Payment | None, day, by: User, at: datetime, void_reason: str = ""
) -> Receipt:
    """The next number of the rep's book, used now: for a payment, or voided at once (a spoiled form)."""
    book = locked_rep_book(hall_id=hall.pk, rep_id=rep.pk)
    if book is None:
        raise no_receipts_left()
    receipt = next_receipt(
        book, hall_id=hall.pk, day=day, payment=payment, by=by, at=at, void_reason=void_reason
    )
    return save_receipt(book, receipt, by=by)


@transaction.atomic(durable=True)
def spoil_receipt(*, hall: Hall, reason: str, by: User, at: datetime | None = None) -> Receipt:
    """Void the next number of the rep's book without a payment (a jammed or misprinted form): the number
    is used up and stays in the register with its reason."""
    at = now(at)
    require_hall_perm(by, hall, "billing.take_payment")
    reason = reason_given(reason)
    day = business_day(hall, at)
    hold_open_day(hall=hall, day=day)
    return take_next_number(hall=hall, rep=by, payment=None, day=day, by=by, at=at, void_reason=reason)


@transaction.atomic(durable=True)
def reissue_receipt(*, payment: Payment, reason: str, by: User, at: datetime | None = None) -> Receipt:
    """The printed receipt was spoiled: void it with the reason and give the payment the next number."""
    at = now(at)
    payment = (
        Payment.objects.select_for_update(of=("self",)).select_related("hall", "till").get(pk=payment.pk)
    )
    require_hall_perm(by, payment.hall, "billing.take_payment")
    reason = reason_given(reason)
    if payment.rep_id != by.pk:
        raise BillingError(_("Only the rep who took the payment reissues its receipt."), code="forbidden")
    if payment.status != Payment.Status.COMPLETED:
        raise BillingError(_("This payment is voided or being voided."))
    if payment.till.state != payment.till.State.OPEN:
        raise BillingError(_("The till of this payment is closed."))
    hold_open_day(hall=payment.hall, day=payment.business_day)
    old = Receipt.objects.select_for_update().get(payment=payment, status=Receipt.Status.ISSUED)
    _void(old, reason=reason, by=by, at=at)
    return take_next_number(
        hall=payment.hall, rep=by, payment=payment, day=payment.business_day, by=by, at=at
    )


def _void(receipt: Receipt, *, reason: str, by: User, at: datetime) -> None:
    receipt.status, receipt.void_reason, receipt.voided_at, receipt.voided_by = (
        Receipt.Status.VOIDED,
        reason,
        at,
        by,
    )
    receipt._history_user = by
    receipt.save(update_fields=["status", "void_reason", "voided_at", "voided_by"])


def void_payment_receipt(*, payment: Payment, reason: str, by: User, at: datetime) -> None:
    """Void the valid receipt of a payment being voided (called inside the payment's void)."""
    receipt = (
        Receipt.objects.select_for_update().filter(payment=payment, status=Receipt.Status.ISSUED).first()
    )
    if receipt is not None:
        _void(receipt, reason=reason, by=by, at=at)


@transaction.atomic(durable=True)
def log_reprint(*, receipt: Receipt, reason: str, by: User, at: datetime | None = None) -> ReceiptReprint:
    """Print a receipt again: allowed, and recorded with who and why (the copy is marked as a reprint)."""
    at = now(at)
    if not has_hall_perm(by, receipt.hall, "billing.view_payment"):
        require_hall_perm(by, receipt.hall, "billing.take_payment")
        if receipt.issued_by_id != by.pk:
            raise BillingError(
                _("Only the rep who issued the receipt, or the auditor, prints a copy."), code="forbidden"
            )
    if receipt.status != Receipt.Status.ISSUED:
        raise BillingError(_("A voided receipt is not printed again."))
    reprint = ReceiptReprint(receipt=receipt, at=at, by=by, reason=reason_given(reason))
    reprint.save()
    return reprint


@transaction.atomic(durable=True)
def record_print(*, receipt: Receipt, by: User, at: datetime | None = None) -> bool:
    """The receipt is printed: the first print is the original (True); every later one must be a logged
    reprint, marked as a copy (False)."""
    at = now(at)
    receipt = Receipt.objects.select_for_update(of=("self",)).select_related("hall").get(pk=receipt.pk)
    if receipt.status != Receipt.Status.ISSUED:
        raise BillingError(_("A voided receipt is not printed."))
    if receipt.printed_at is not None or receipt.issued_by_id != by.pk:
        return False
    receipt.printed_at = at
    receipt._history_user = by
    receipt.save(update_fields=["printed_at"])
    return True
