"""The end of a business day (spec §4.4–4.5): the report, the supervisor's approval, the bank deposit that
locks the day, and reversals — corrections posted on an open day, approved by a second person."""

from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from billing.errors import BillingError
from billing.models import DailyReport, Deposit, Discrepancy, HallDay, Payment, Reversal, Till
from billing.reports import as_decimal, build_daily_report
from billing.services.common import hold_open_day, now, parse_amount, require_hall_perm
from counter.models import ChecklistItem
from counter.selectors.site import checklist_status
from counter.services import customers as counter_customers
from servicecenter.clock import business_day
from servicecenter.models import AuditEvent, Hall, User
from servicecenter.services import record_audit_event

UNFINISHED_TILLS = (Till.State.ISSUED, Till.State.OPEN, Till.State.CLOSED, Till.State.HANDED_IN)


def _unflagged_card_writes(hall: Hall, day: date):
    """Prepaid top-ups of the day whose card write failed or was never confirmed, not yet an exception."""
    return (
        Payment.objects.filter(
            hall=hall, business_day=day, card_write__in=[Payment.CardWrite.PENDING, Payment.CardWrite.FAILED]
        )
        .exclude(status=Payment.Status.VOIDED)
        .exclude(discrepancies__kind=Discrepancy.Kind.CARD_WRITE)
    )


def _flag_card_writes(hall: Hall, day: date) -> None:
    """Prepaid top-ups whose card write failed or was never confirmed become exceptions for the auditor."""
    flagged = _unflagged_card_writes(hall, day)
    Discrepancy.objects.bulk_create(
        Discrepancy(
            hall=hall,
            business_day=day,
            kind=Discrepancy.Kind.CARD_WRITE,
            payment=p,
            system_amount=p.total,
            note=p.card_write_note,
        )
        for p in flagged
    )


@transaction.atomic(durable=True)
def generate_daily_report(*, hall: Hall, day: date, at: datetime | None = None) -> DailyReport:
    """Build (or build again) the day's report. Safe to run twice, even at once (the day's row lock
    serialises builds); a closed day's report is final."""
    at = now(at)
    hall_day = HallDay.lock(hall=hall, day=day)
    existing = DailyReport.objects.filter(hall=hall, day=day).first()
    if hall_day.state != HallDay.State.OPEN and existing is not None:
        return existing
    if hall_day.state == HallDay.State.OPEN:
        _flag_card_writes(hall, day)
    return _store_report(hall, day, existing, at)


def _store_report(hall: Hall, day: date, existing: DailyReport | None, at: datetime) -> DailyReport:
    data = build_daily_report(hall, day)
    if existing is None:
        return DailyReport.objects.create(hall=hall, day=day, generated_at=at, data=data)
    existing.generated_at, existing.data = at, data
    existing.save(update_fields=["generated_at", "data"])
    return existing


def day_blockers(hall: Hall, day: date, *, at: datetime | None = None) -> list[str]:
    """Why the day cannot be approved yet (empty when it can). Reads only."""
    at = now(at)
    reasons = []
    tills = list(
        Till.objects.filter(hall=hall, business_day=day, state__in=UNFINISHED_TILLS).values_list(
            "number", flat=True
        )
    )
    if tills:
        reasons.append(_("Tills not yet verified: %(tills)s.") % {"tills": ", ".join(tills)})
    voids = Payment.objects.filter(hall=hall, business_day=day, status=Payment.Status.VOID_REQUESTED).count()
    if voids:
        reasons.append(_("%(n)s voids wait for a decision.") % {"n": voids})
    reversals = Reversal.objects.filter(hall=hall, business_day=day, state=Reversal.State.REQUESTED).count()
    if reversals:
        reasons.append(_("%(n)s reversals wait for a decision.") % {"n": reversals})
    open_exceptions = Discrepancy.objects.filter(
        hall=hall, business_day=day, resolved_at__isnull=True
    ).count()
    unflagged = _unflagged_card_writes(hall, day).count()
    if open_exceptions + unflagged:
        reasons.append(
            _("%(n)s reconciliation exceptions are neither resolved nor explained.")
            % {"n": open_exceptions + unflagged}
        )
    today = business_day(hall, at)
    if day > today:
        reasons.append(_("This business day has not started yet."))
    elif day == today and checklist_status(hall, day).get(ChecklistItem.Kind.CLOSING) is None:
        reasons.append(
            _("The hall is still open today: approve after the closing checklist or after the cut-off.")
        )
    return reasons


@transaction.atomic(durable=True)
def approve_day(*, hall: Hall, day: date, by: User, note: str = "", at: datetime | None = None) -> HallDay:
    """The supervisor approves the day's revenue report: the hall closed for the day, every till verified,
    every void, reversal and exception settled."""
    at = now(at)
    require_hall_perm(by, hall, "billing.approve_day")
    hall_day = HallDay.lock(hall=hall, day=day)
    if hall_day.state != HallDay.State.OPEN:
        raise BillingError(_("This day is already approved."))
    blockers = day_blockers(hall, day, at=at)
    if blockers:
        raise BillingError(" ".join(blockers), code="not_ready")
    report = _store_report(hall, day, DailyReport.objects.filter(hall=hall, day=day).first(), at)
    data = report.data
    hall_day.state, hall_day.approved_at, hall_day.approved_by = HallDay.State.APPROVED, at, by
    hall_day.approval_note = (note or "").strip()[:300]
    hall_day._history_user = by
    hall_day.save(update_fields=["state", "approved_at", "approved_by", "approval_note"])
    record_audit_event(
        kind=AuditEvent.Kind.APPROVAL,
        actor=by,
        hall=hall,
        at=at,
        subject=_("Daily report %(day)s approved") % {"day": day},
        detail={"day": day.isoformat(), "net": data["net"], "payments": data["payments"]},
    )
    return hall_day


@transaction.atomic(durable=True)
def record_deposit(
    *,
    hall: Hall,
    day: date,
    amount,
    bank: str,
    slip_number: str,
    by: User,
    explanation: str = "",
    deposited_at: datetime | None = None,
    at: datetime | None = None,
) -> Deposit:
    """Record the bank deposit of the day's cash: it must equal the cash takings or the difference is
    explained. The day then locks."""
    at = now(at)
    require_hall_perm(by, hall, "billing.record_deposit")
    amount = parse_amount(amount, label=_("Amount deposited"), allow_zero=True)
    bank, slip_number = (bank or "").strip(), (slip_number or "").strip()
    if not bank:
        raise BillingError(_("Name the bank."))
    if not slip_number or len(slip_number) > 50:
        raise BillingError(_("Enter the deposit slip number."))
    hall_day = HallDay.lock(hall=hall, day=day)
    if hall_day.state == HallDay.State.OPEN:
        raise BillingError(_("The day's report must be approved before the deposit is recorded."))
    if hall_day.state == HallDay.State.LOCKED:
        raise BillingError(
            _("The deposit of this day is already recorded; the day is locked."), code="locked"
        )
    report = DailyReport.objects.get(hall=hall, day=day)
    takings = as_decimal(report.data["cash_takings"])
    explanation = (explanation or "").strip()
    if amount != takings and len(explanation) < 4:
        raise BillingError(
            _("The deposit (¥%(amount)s) differs from the cash takings (¥%(takings)s): explain it.")
            % {"amount": f"{amount:,.2f}", "takings": f"{takings:,.2f}"},
            code="unexplained",
        )
    deposit = Deposit(
        hall=hall,
        day=day,
        amount=amount,
        bank=bank[:100],
        slip_number=slip_number,
        cash_takings=takings,
        explanation=explanation if amount != takings else "",
        deposited_at=deposited_at or at,
        recorded_by=by,
    )
    deposit._history_user = by
    deposit.save()
    report.data = {
        **report.data,
        "deposit": {
            "amount": f"{amount:.2f}",
            "bank": deposit.bank,
            "slip_number": slip_number,
            "explanation": deposit.explanation,
        },
    }
    report.save(update_fields=["data"])
    hall_day.state, hall_day.locked_at = HallDay.State.LOCKED, at
    hall_day._history_user = by
    hall_day.save(update_fields=["state", "locked_at"])
    record_audit_event(
        kind=AuditEvent.Kind.APPROVAL,
        actor=by,
        hall=hall,
        at=at,
        subject=_("Deposit recorded, day %(day)s locked") % {"day": day},
        detail={"day": day.isoformat(), "amount": f"{amount:.2f}", "slip": slip_number},
    )
    return deposit


@transaction.atomic(durable=True)
def request_reversal(*, payment: Payment, reason: str, by: User, at: datetime | None = None) -> Reversal:
    """Ask for a payment to be reversed (a correction after its till was counted or its day ended)."""
    at = now(at)
    payment = (
        Payment.objects.select_for_update(of=("self",)).select_related("hall", "till").get(pk=payment.pk)
    )
    require_hall_perm(by, payment.hall, "billing.request_reversal")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise BillingError(_("Say why the payment is reversed."))
    if payment.status == Payment.Status.VOIDED:
        raise BillingError(_("A voided payment is not reversed."))
    if Reversal.objects.filter(payment=payment).exclude(state=Reversal.State.REJECTED).exists():
        raise BillingError(_("This payment already has a reversal."))
    if payment.till.state == Till.State.OPEN and payment.business_day == business_day(payment.hall, at):
        raise BillingError(_("The till of this payment is still open: void the payment instead."))
    day = business_day(payment.hall, at)
    hold_open_day(hall=payment.hall, day=day)
    reversal = Reversal(
        payment=payment,
        hall=payment.hall,
        business_day=day,
        amount=payment.total,
        reason=reason[:300],
        requested_at=at,
        requested_by=by,
    )
    reversal._history_user = by
    reversal.save(day_held=True)
    return reversal


@transaction.atomic(durable=True)
def decide_reversal(*, reversal: Reversal, approve: bool, by: User, at: datetime | None = None) -> Reversal:
    """A second person approves (it is posted on today's open business day) or rejects the reversal."""
    at = now(at)
    reversal = (
        Reversal.objects.select_for_update(of=("self",)).select_related("hall", "payment").get(pk=reversal.pk)
    )
    require_hall_perm(by, reversal.hall, "billing.approve_reversal")
    if reversal.state != Reversal.State.REQUESTED:
        raise BillingError(_("This reversal has already been decided."))
    if reversal.requested_by_id == by.pk:
        raise BillingError(_("Someone else must approve a reversal you asked for."), code="forbidden")
    # Posted on the day it was requested, which stays open until it is decided (a pending reversal holds
    # the day's approval).
    hold_open_day(hall=reversal.hall, day=reversal.business_day)
    reversal.state = Reversal.State.APPROVED if approve else Reversal.State.REJECTED
    reversal.decided_at, reversal.decided_by = at, by
    reversal._history_user = by
    reversal.save(update_fields=["state", "decided_at", "decided_by"], day_held=True)
    if approve:
        payment = reversal.payment
        bill_ids = list(payment.lines.exclude(bill=None).values_list("bill_id", flat=True))
        if bill_ids:
            counter_customers.unsettle_bills(bill_ids=bill_ids, reference=payment.number)
        record_audit_event(
            kind=AuditEvent.Kind.APPROVAL,
            actor=by,
            hall=reversal.hall,
            at=at,
            subject=_("Reversal of payment %(number)s approved") % {"number": payment.number},
            detail={"payment": payment.number, "amount": f"{reversal.amount:.2f}"},
        )
    return reversal
