"""Tills (spec §4.3): float issued → opened → counted by denomination → handed in → verified."""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from billing.errors import BillingError
from billing.models import Payment, PaymentTender, Receipt, Tender, Till, TillTender
from billing.services.common import (
    hold_open_day,
    lock_open_day,
    now,
    parse_amount,
    reason_given,
    require_hall_perm,
)
from servicecenter.clock import business_day
from servicecenter.models import Hall, User, Window
from servicecenter.money import DENOMINATIONS, ZERO, quantize
from servicecenter.scoping import has_hall_perm

MAX_PIECES = 100_000


@transaction.atomic(durable=True)
def issue_float(
    *, hall: Hall, rep: User, amount, by: User, window: Window | None = None, at: datetime | None = None
) -> Till:
    """The auditor hands a rep the opening float (备用金) for a shift: a till waiting for the rep."""
    at = now(at)
    require_hall_perm(by, hall, "billing.issue_float")
    amount = parse_amount(amount, label=_("Opening float"), allow_zero=True)
    if not has_hall_perm(rep, hall, "billing.take_payment"):
        raise BillingError(_("%(name)s does not take payments in this hall.") % {"name": rep.display_name})
    if rep.pk == by.pk:
        raise BillingError(_("Nobody issues a float to themselves: ask a colleague."), code="forbidden")
    if window is not None and window.hall_id != hall.pk:
        raise BillingError(_("This window is not in this hall."))
    day = business_day(hall, at)
    # The day's row, exclusively: numbers tills in order (payments wait only while a float is issued).
    lock_open_day(hall=hall, day=day)
    if Till.objects.filter(hall=hall, rep=rep, state__in=[Till.State.ISSUED, Till.State.OPEN]).exists():
        raise BillingError(
            _("%(name)s already has a till in use: it must be counted first.") % {"name": rep.display_name}
        )
    count = Till.objects.filter(hall=hall, business_day=day).count()
    till = Till(
        hall=hall,
        business_day=day,
        number=f"{day:%Y%m%d}-{count + 1:02d}",
        rep=rep,
        window=window,
        opening_float=amount,
        float_issued_by=by,
        float_issued_at=at,
    )
    till._history_user = by
    till.save()
    return till


def _locked_till(till: Till) -> Till:
    return Till.objects.select_for_update(of=("self",)).select_related("hall").get(pk=till.pk)


def _save(till: Till, by: User, fields: list[str]) -> None:
    till._history_user = by
    till.save(update_fields=fields)


@transaction.atomic(durable=True)
def open_till(*, till: Till, by: User, at: datetime | None = None) -> Till:
    """The rep has counted the float handed over and opens the till: payments may now go into it."""
    at = now(at)
    till = _locked_till(till)
    if till.rep_id != by.pk:
        raise BillingError(_("This till was issued to a colleague."), code="forbidden")
    require_hall_perm(by, till.hall, "billing.take_payment")
    if till.state != Till.State.ISSUED:
        raise BillingError(_("This till is already open or closed."))
    if till.business_day != business_day(till.hall, at):
        raise BillingError(
            _(
                "This float was issued for the business day %(day)s, which has ended: "
                "the auditor cancels it and issues a new one."
            )
            % {"day": till.business_day}
        )
    hold_open_day(hall=till.hall, day=till.business_day)
    till.state, till.opened_at = Till.State.OPEN, at
    _save(till, by, ["state", "opened_at"])
    return till


def parse_denominations(counts: dict) -> tuple[dict[str, int], Decimal]:
    """{"100.00": "3", …} as typed → clean counts by denomination and their total. Unknown denominations,
    negative or non-whole counts are refused."""
    known = {f"{value:.2f}": value for value, _label in DENOMINATIONS}
    clean: dict[str, int] = {}
    total = ZERO
    for key, raw in (counts or {}).items():
        if str(key) not in known:
            raise BillingError(
                _("%(value)s is not a denomination counted in a till.") % {"value": str(key)[:10]}
            )
        text = str(raw if raw is not None else "").strip() or "0"
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_PIECES:
            raise BillingError(
                _("%(denomination)s: enter how many pieces (a whole number).") % {"denomination": f"¥{key}"}
            )
        pieces = int(text)
        if pieces:
            clean[str(key)] = pieces
            total += known[str(key)] * pieces
    return clean, quantize(total)


def expected_by_tender(till: Till) -> dict[int, dict[str, Decimal]]:
    """The system and receipts legs of a till, per tender id: payments that count, and of those the ones
    with a valid receipt (two SQL aggregates)."""
    counting = PaymentTender.objects.filter(payment__till=till).exclude(payment__status=Payment.Status.VOIDED)
    legs: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"system": ZERO, "receipts": ZERO})
    for row in counting.values("tender_id").annotate(total=Sum("amount")):
        legs[row["tender_id"]]["system"] = row["total"]
    with_receipt = counting.filter(payment__receipts__status=Receipt.Status.ISSUED)
    for row in with_receipt.values("tender_id").annotate(total=Sum("amount")):
        legs[row["tender_id"]]["receipts"] = row["total"]
    return legs


@transaction.atomic(durable=True)
def close_till(
    *,
    till: Till,
    by: User,
    denominations: dict,
    settlements: dict,
    explanation: str = "",
    at: datetime | None = None,
) -> Till:
    """Count the till: cash by denomination, non-cash settlement totals per tender. The three legs are
    stored per tender; a difference (over 长款 / short 短款) is refused without an explanation.
    A counted till takes no payments; it can be counted again until it is handed in."""
    at = now(at)
    till = _locked_till(till)
    if till.rep_id != by.pk:
        raise BillingError(_("Only the rep of a till counts it."), code="forbidden")
    if till.state not in (Till.State.OPEN, Till.State.CLOSED):
        raise BillingError(_("This till is not open."))
    if Payment.objects.filter(till=till, status=Payment.Status.VOID_REQUESTED).exists():
        raise BillingError(
            _("A void of a payment in this till waits for the supervisor: settle it before counting.")
        )
    hold_open_day(hall=till.hall, day=till.business_day)
    clean, cash_total = parse_denominations(denominations)
    tenders = {t.pk: t for t in Tender.objects.filter(company_id=till.hall.company_id)}
    counted: dict[int, Decimal] = {}
    for key, raw in (settlements or {}).items():
        text = str(key)
        tender = tenders.get(int(text)) if text.isascii() and text.isdigit() and len(text) <= 12 else None
        if tender is None or tender.is_cash:
            raise BillingError(_("Unknown settlement tender."))
        counted[tender.pk] = (
            parse_amount(raw, label=tender.name, allow_zero=True) if str(raw).strip() else ZERO
        )
    legs = expected_by_tender(till)
    cash = min(
        (t for t in tenders.values() if t.is_cash), key=lambda t: (not t.is_active, t.order), default=None
    )
    if cash is not None:
        counted[cash.pk] = quantize(cash_total - till.opening_float)
    used = (
        set(legs)
        | {pk for pk, amount in counted.items() if amount}
        | {t.pk for t in tenders.values() if t.is_active}
    )
    rows = []
    for pk in sorted(used, key=lambda pk: (tenders[pk].order, tenders[pk].code)):
        leg = legs.get(pk, {"system": ZERO, "receipts": ZERO})
        rows.append(
            TillTender(
                till=till,
                tender=tenders[pk],
                hall=till.hall,
                business_day=till.business_day,
                system=leg["system"],
                receipts=leg["receipts"],
                counted=counted.get(pk, ZERO),
            )
        )
    explanation = (explanation or "").strip()
    off = [r for r in rows if r.counted != r.system or r.receipts != r.system]
    if off and len(explanation) < 4:
        raise BillingError(
            _("The count differs from the system for %(tenders)s: explain the over or short before closing.")
            % {"tenders": ", ".join(r.tender.name for r in off)},
            code="unexplained",
        )
    existing = {r.tender_id: r for r in till.tenders.all()}
    for row in rows:
        old = existing.pop(row.tender_id, None)
        if old is not None:
            row.pk = old.pk
        row._history_user = by
        row.save()
    for stale in existing.values():  # a tender counted before and not now counts zero, never vanishes
        stale.counted = ZERO
        stale._history_user = by
        stale.save(update_fields=["counted"])
    till.state, till.closed_at = Till.State.CLOSED, at
    till.denominations, till.counted_cash, till.explanation = clean, cash_total, explanation if off else ""
    till.sent_back_reason = ""
    _save(
        till, by, ["state", "closed_at", "denominations", "counted_cash", "explanation", "sent_back_reason"]
    )
    return till


@transaction.atomic(durable=True)
def hand_in_till(*, till: Till, by: User, at: datetime | None = None) -> Till:
    """The rep hands the counted takings to the auditor (上交)."""
    at = now(at)
    till = _locked_till(till)
    if till.rep_id != by.pk:
        raise BillingError(_("Only the rep of a till hands it in."), code="forbidden")
    if till.state != Till.State.CLOSED:
        raise BillingError(_("Count the till before handing it in."))
    hold_open_day(hall=till.hall, day=till.business_day)
    till.state, till.handed_in_at = Till.State.HANDED_IN, at
    _save(till, by, ["state", "handed_in_at"])
    return till


@transaction.atomic(durable=True)
def verify_till(*, till: Till, by: User, at: datetime | None = None) -> Till:
    """The auditor checks the handed-in takings against the system and the receipts: never their own."""
    at = now(at)
    till = _locked_till(till)
    require_hall_perm(by, till.hall, "billing.verify_till")
    if till.rep_id == by.pk:
        raise BillingError(_("Nobody verifies their own till."), code="forbidden")
    if till.state != Till.State.HANDED_IN:
        raise BillingError(_("Only a handed-in till is verified."))
    hold_open_day(hall=till.hall, day=till.business_day)
    till.state, till.verified_at, till.verified_by = Till.State.VERIFIED, at, by
    _save(till, by, ["state", "verified_at", "verified_by"])
    return till


@transaction.atomic(durable=True)
def send_back_till(*, till: Till, reason: str, by: User, at: datetime | None = None) -> Till:
    """The auditor returns a handed-in till to its rep to be counted again, saying why."""
    till = _locked_till(till)
    require_hall_perm(by, till.hall, "billing.verify_till")
    if till.rep_id == by.pk:
        raise BillingError(_("Nobody verifies their own till."), code="forbidden")
    if till.state != Till.State.HANDED_IN:
        raise BillingError(_("Only a handed-in till can be sent back."))
    reason = reason_given(reason)
    hold_open_day(hall=till.hall, day=till.business_day)
    till.state, till.sent_back_reason, till.handed_in_at = Till.State.CLOSED, reason[:200], None
    _save(till, by, ["state", "sent_back_reason", "handed_in_at"])
    return till


@transaction.atomic(durable=True)
def cancel_float(*, till: Till, reason: str, by: User, at: datetime | None = None) -> Till:
    """The auditor takes back a float never opened (typed wrong, or the rep did not come): the till is
    cancelled, with the reason, and no longer holds the day or the rep's next float."""
    till = _locked_till(till)
    require_hall_perm(by, till.hall, "billing.issue_float")
    if till.state != Till.State.ISSUED:
        raise BillingError(_("Only a float not yet opened can be cancelled."))
    reason = reason_given(reason)
    hold_open_day(hall=till.hall, day=till.business_day)
    till.state, till.cancel_reason = Till.State.CANCELLED, reason[:200]
    _save(till, by, ["state", "cancel_reason"])
    return till
