"""Billing's reads: scoped lookups (404 outside the user's halls), registers and day figures in SQL."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from billing.models import (
    CompanyReport,
    DailyReport,
    Deposit,
    Discrepancy,
    FeeItem,
    HallDay,
    Payment,
    Receipt,
    ReceiptBook,
    Reversal,
    Tender,
    Till,
    TillTender,
)
from billing.services.jobs import STALE_AFTER
from billing.services.tills import expected_by_tender
from servicecenter.clock import Period
from servicecenter.models import Company, Hall, User
from servicecenter.money import ZERO
from servicecenter.scoping import has_hall_perm, int_or_404


def may_see_all_tills(user: User, hall: Hall) -> bool:
    return has_hall_perm(user, hall, "billing.view_till")


def tills_for_user(user: User, hall: Hall) -> QuerySet[Till]:
    """The hall's tills for auditors and supervisors; a rep sees their own."""
    tills = Till.objects.filter(hall=hall).select_related("rep", "window", "verified_by")
    return tills if may_see_all_tills(user, hall) else tills.filter(rep=user)


def get_till(user: User, hall: Hall, till_id) -> Till:
    till = tills_for_user(user, hall).filter(pk=int_or_404(till_id)).first()
    if till is None:
        raise Http404
    return till


def live_till(user: User, hall: Hall) -> Till | None:
    """The rep's till in use in this hall (float issued or open), if any."""
    return Till.objects.filter(hall=hall, rep=user, state__in=[Till.State.ISSUED, Till.State.OPEN]).first()


@dataclass(frozen=True)
class Leg:
    tender: Tender
    system: Decimal
    receipts: Decimal
    counted: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        return None if self.counted is None else self.counted - self.system


def till_legs(till: Till) -> list[Leg]:
    """The three legs per tender: as counted (stored at close) or, for an open till, what the system
    expects so far (no count yet)."""
    tenders = {t.pk: t for t in Tender.objects.filter(company_id=till.hall.company_id)}
    if till.state in (Till.State.ISSUED, Till.State.OPEN):
        legs = expected_by_tender(till)
        shown = [t for t in tenders.values() if t.is_active or t.pk in legs]
        return [
            Leg(t, legs.get(t.pk, {}).get("system", ZERO), legs.get(t.pk, {}).get("receipts", ZERO), None)
            for t in sorted(shown, key=lambda t: (t.order, t.code))
        ]
    rows = (
        TillTender.objects.filter(till=till)
        .select_related("tender")
        .order_by("tender__order", "tender__code")
    )
    return [Leg(r.tender, r.system, r.receipts, r.counted) for r in rows]


def till_payments(till: Till, *, limit: int = 200) -> list[Payment]:
    return list(
        Payment.objects.filter(till=till)
        .select_related("account")
        .prefetch_related("tenders__tender", "receipts")
        .order_by("-created_at")[:limit]
    )


def payments_for_user(user: User, hall: Hall) -> QuerySet[Payment]:
    """The hall's payments for those who read money records; a rep sees the payments they took."""
    payments = Payment.objects.filter(hall=hall).select_related("rep", "till", "account", "window")
    return payments if has_hall_perm(user, hall, "billing.view_payment") else payments.filter(rep=user)


def get_payment(user: User, hall: Hall, payment_id) -> Payment:
    payment = payments_for_user(user, hall).filter(pk=int_or_404(payment_id)).first()
    if payment is None:
        raise Http404
    return payment


def payment_for_receipt(payment: Payment) -> dict:
    """Everything the printed receipt shows, in two queries."""
    lines = list(payment.lines.select_related("fee_item", "bill"))
    tenders = list(payment.tenders.select_related("tender"))
    receipt = next((r for r in payment.receipts.all() if r.status == Receipt.Status.ISSUED), None)
    return {"payment": payment, "lines": lines, "tenders": tenders, "receipt": receipt}


def books(hall: Hall) -> QuerySet[ReceiptBook]:
    """The hall's receipt books with their register: issued and voided counts (unused = the rest)."""
    return (
        ReceiptBook.objects.filter(hall=hall)
        .select_related("holder")
        .annotate(
            issued_count=Count("receipts", filter=Q(receipts__status=Receipt.Status.ISSUED)),
            voided_count=Count("receipts", filter=Q(receipts__status=Receipt.Status.VOIDED)),
        )
        .order_by("status", "prefix", "first_number")
    )


def get_book(hall: Hall, book_id) -> ReceiptBook:
    book = books(hall).filter(pk=int_or_404(book_id)).first()
    if book is None:
        raise Http404
    return book


def book_receipts(book: ReceiptBook, *, limit: int = 500) -> list[Receipt]:
    return list(
        book.receipts.select_related("payment", "issued_by", "voided_by").order_by("-sequence")[:limit]
    )


def rep_book(user: User, hall: Hall) -> ReceiptBook | None:
    """The book the rep's next receipt comes from."""
    return (
        ReceiptBook.objects.filter(hall=hall, holder=user, status=ReceiptBook.Status.ISSUED)
        .order_by("prefix", "first_number")
        .first()
    )


def price_list(hall: Hall) -> list[FeeItem]:
    return list(FeeItem.objects.filter(company_id=hall.company_id, is_active=True))


def tenders(hall: Hall) -> list[Tender]:
    return list(Tender.objects.filter(company_id=hall.company_id, is_active=True))


def hall_day(hall: Hall, day: date) -> HallDay | None:
    return HallDay.objects.filter(hall=hall, day=day).select_related("approved_by").first()


def daily_report(hall: Hall, day: date) -> DailyReport | None:
    return DailyReport.objects.filter(hall=hall, day=day).first()


def deposit(hall: Hall, day: date) -> Deposit | None:
    return Deposit.objects.filter(hall=hall, day=day).select_related("recorded_by").first()


def recent_days(hall: Hall, *, limit: int = 31) -> list[HallDay]:
    return list(HallDay.objects.filter(hall=hall).select_related("approved_by").order_by("-day")[:limit])


def pending_voids(hall: Hall) -> list[Payment]:
    return list(
        Payment.objects.filter(hall=hall, status=Payment.Status.VOID_REQUESTED)
        .select_related("rep", "void_requested_by", "account")
        .order_by("void_requested_at")
    )


def reversals(hall: Hall) -> QuerySet[Reversal]:
    return Reversal.objects.filter(hall=hall).select_related("payment", "requested_by", "decided_by")


def get_reversal(hall: Hall, reversal_id) -> Reversal:
    reversal = reversals(hall).filter(pk=int_or_404(reversal_id)).first()
    if reversal is None:
        raise Http404
    return reversal


def discrepancies(hall: Hall, day: date) -> QuerySet[Discrepancy]:
    return Discrepancy.objects.filter(hall=hall, business_day=day).select_related(
        "payment", "line", "source_import", "resolved_by"
    )


def get_discrepancy(hall: Hall, discrepancy_id) -> Discrepancy:
    item = Discrepancy.objects.filter(hall=hall, pk=int_or_404(discrepancy_id)).first()
    if item is None:
        raise Http404
    return item


def till_differences(tills: list[Till]) -> dict[int, Decimal]:
    """Over (+) or short (−) of each counted till, summed over its tenders, in one query."""
    rows = (
        TillTender.objects.filter(till__in=[t.pk for t in tills])
        .values("till_id")
        .annotate(counted=Sum("counted"), system=Sum("system"))
    )
    return {r["till_id"]: r["counted"] - r["system"] for r in rows}


def latest_company_report(company: Company, period: Period) -> CompanyReport | None:
    """The newest built report of the period, or None."""
    return (
        CompanyReport.objects.filter(
            company=company, kind=period.kind, first=period.first, state=CompanyReport.State.DONE
        )
        .order_by("-finished_at", "-pk")
        .first()
    )


def pending_company_report(
    company: Company, period: Period, *, at: datetime | None = None
) -> CompanyReport | None:
    """The period's build waiting for the worker or under way (not one left by a worker that died)."""
    return (
        CompanyReport.objects.filter(
            company=company,
            kind=period.kind,
            first=period.first,
            state__in=[CompanyReport.State.QUEUED, CompanyReport.State.RUNNING],
            requested_at__gt=(at or timezone.now()) - STALE_AFTER,
        )
        .order_by("-requested_at")
        .first()
    )


def get_company_report(company: Company, report_id) -> CompanyReport:
    report = CompanyReport.objects.filter(company=company, pk=int_or_404(report_id)).first()
    if report is None:
        raise Http404
    return report


def last_company_report_request(company: Company, period: Period) -> CompanyReport | None:
    """The period's newest build, whatever came of it (its page says when the last one failed)."""
    return (
        CompanyReport.objects.filter(company=company, kind=period.kind, first=period.first)
        .order_by("-requested_at", "-pk")
        .first()
    )
