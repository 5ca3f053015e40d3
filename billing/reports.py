"""The daily revenue report (spec §4.6), assembled from SQL aggregates into a JSON-ready snapshot.

Amounts are kept as strings of 2-decimal numbers in the snapshot (JSON has no decimal type) and read back
as `Decimal` by `load_report`; every figure is a GROUP BY in the database, never a loop over payments.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, Sum, Value
from django.db.models.functions import Coalesce

from billing.models import (
    Deposit,
    Discrepancy,
    FeeItem,
    Payment,
    PaymentLine,
    PaymentTender,
    Receipt,
    Reversal,
    Till,
    TillTender,
)
from counter.selectors.businesses import businesses_by_type
from counter.selectors.queue import served_today
from servicecenter.models import Hall
from servicecenter.money import ZERO


def _money(value) -> str:
    return f"{(value or ZERO):.2f}"


def _numbers(row: dict, first: int, last: int) -> str:
    prefix, digits = row["book__prefix"], row["book__digits"]
    return f"{prefix}{first:0{digits}d}–{prefix}{last:0{digits}d}"


def _sum(field: str):
    return Coalesce(Sum(field), Value(ZERO))


def build_daily_report(hall: Hall, day: date) -> dict:
    """Every figure of a hall's business day. Read-only; `services.days.generate_daily_report` stores it."""
    payments = Payment.objects.filter(hall=hall, business_day=day)
    counting = payments.exclude(status=Payment.Status.VOIDED)
    tenders = PaymentTender.objects.filter(payment__hall=hall, payment__business_day=day).exclude(
        payment__status=Payment.Status.VOIDED
    )
    lines = PaymentLine.objects.filter(payment__hall=hall, payment__business_day=day).exclude(
        payment__status=Payment.Status.VOIDED
    )
    totals = payments.aggregate(
        count=Count("pk", filter=~Q(status=Payment.Status.VOIDED)),
        gross=Coalesce(Sum("total", filter=~Q(status=Payment.Status.VOIDED)), Value(ZERO)),
        voided_count=Count("pk", filter=Q(status=Payment.Status.VOIDED)),
        voided=Coalesce(Sum("total", filter=Q(status=Payment.Status.VOIDED)), Value(ZERO)),
    )
    reversals = Reversal.objects.filter(hall=hall, business_day=day, state=Reversal.State.APPROVED)
    reversed_by_tender = {
        r["tender_id"]: r["amount"]
        for r in PaymentTender.objects.filter(payment__reversals__in=reversals)
        .values("tender_id")
        .annotate(amount=_sum("amount"))
    }
    by_tender = []
    for row in (
        tenders.values("tender_id", "tender__name", "tender__kind", "tender__order")
        .annotate(count=Count("payment_id", distinct=True), amount=_sum("amount"))
        .order_by("tender__order", "tender__name")
    ):
        reversed_amount = reversed_by_tender.pop(row["tender_id"], ZERO)
        by_tender.append(
            {
                "tender": row["tender__name"],
                "kind": row["tender__kind"],
                "count": row["count"],
                "amount": _money(row["amount"]),
                "reversed": _money(reversed_amount),
                "net": _money(row["amount"] - reversed_amount),
            }
        )
    if reversed_by_tender:  # reversals in a tender not used today
        names = dict(
            PaymentTender.objects.filter(tender_id__in=reversed_by_tender).values_list(
                "tender_id", "tender__name"
            )[:50]
        )
        for tender_id, amount in reversed_by_tender.items():
            by_tender.append(
                {
                    "tender": names.get(tender_id, "?"),
                    "kind": "",
                    "count": 0,
                    "amount": _money(ZERO),
                    "reversed": _money(amount),
                    "net": _money(-amount),
                }
            )
    by_item = [
        {
            "item": r["fee_item__name"],
            "kind": r["fee_item__kind"],
            "count": r["count"],
            "quantity": r["quantity"],
            "amount": _money(r["amount"]),
        }
        for r in lines.values("fee_item__name", "fee_item__kind", "fee_item__order")
        .annotate(count=Count("payment_id", distinct=True), quantity=Sum("quantity"), amount=_sum("amount"))
        .order_by("fee_item__order", "fee_item__name")
    ]
    vas = lines.filter(fee_item__kind=FeeItem.Kind.VAS).aggregate(count=Count("pk"), amount=_sum("amount"))
    by_rep = [
        {
            "rep": (f"{r['rep__last_name']}{r['rep__first_name']}" or r["rep__username"]),
            "staff_number": r["rep__staff_number"] or "",
            "count": r["count"],
            "amount": _money(r["amount"]),
        }
        for r in counting.values(
            "rep_id", "rep__username", "rep__first_name", "rep__last_name", "rep__staff_number"
        )
        .annotate(count=Count("pk"), amount=_sum("total"))
        .order_by("rep__staff_number", "rep__username")
    ]
    by_window = [
        {"window": r["window__number"], "count": r["count"], "amount": _money(r["amount"])}
        for r in counting.values("window__number")
        .annotate(count=Count("pk"), amount=_sum("total"))
        .order_by("window__number")
    ]
    receipt_books = [
        {
            "used": _numbers(r, r["first"], r["last"]),
            "range": _numbers(r, r["book__first_number"], r["book__last_number"]),
            "issued": r["issued"],
            "voided": r["voided"],
        }
        for r in Receipt.objects.filter(hall=hall, business_day=day)
        .values("book_id", "book__prefix", "book__digits", "book__first_number", "book__last_number")
        .annotate(
            first=Min("sequence"),
            last=Max("sequence"),
            issued=Count("pk", filter=Q(status=Receipt.Status.ISSUED)),
            voided=Count("pk", filter=Q(status=Receipt.Status.VOIDED)),
        )
        .order_by("book__prefix", "book__first_number")
    ]
    legs = {
        (r["till_id"]): r
        for r in TillTender.objects.filter(hall=hall, business_day=day)
        .values("till_id")
        .annotate(
            system_total=_sum("system"),
            receipts_total=_sum("receipts"),
            counted_total=_sum("counted"),
            cash_counted=Coalesce(Sum("counted", filter=Q(tender__kind="cash")), Value(ZERO)),
        )
    }
    tills = []
    cash_counted = ZERO
    for till in Till.objects.filter(hall=hall, business_day=day).select_related("rep").order_by("number"):
        leg = legs.get(till.pk)
        row = {
            "number": till.number,
            "rep": till.rep.display_name,
            "state": till.state,
            "float": _money(till.opening_float),
            "explanation": till.explanation,
        }
        if leg is not None:
            row.update(
                system=_money(leg["system_total"]),
                receipts=_money(leg["receipts_total"]),
                counted=_money(leg["counted_total"]),
                difference=_money(leg["counted_total"] - leg["system_total"]),
            )
            cash_counted += leg["cash_counted"]
        tills.append(row)
    cash_system = tenders.filter(tender__kind="cash").aggregate(amount=_sum("amount"))["amount"]
    discrepancies = Discrepancy.objects.filter(hall=hall, business_day=day)
    exceptions = [
        {
            "kind": d.kind,
            "payment": d.payment.number if d.payment else "",
            "reference": d.line.reference if d.line else "",
            "system_amount": _money(d.system_amount) if d.system_amount is not None else "",
            "file_amount": _money(d.file_amount) if d.file_amount is not None else "",
            "note": d.note,
            "resolved": d.resolved_at is not None,
        }
        for d in discrepancies.select_related("payment", "line")[:500]
    ]
    reversal_rows = [
        {
            "payment": r.payment.number,
            "payment_day": r.payment.business_day.isoformat(),
            "amount": _money(r.amount),
            "reason": r.reason,
            "requested_by": r.requested_by.display_name,
            "approved_by": r.decided_by.display_name if r.decided_by else "",
        }
        for r in reversals.select_related("payment", "requested_by", "decided_by").order_by("decided_at")[
            :500
        ]
    ]
    deposit = Deposit.objects.filter(hall=hall, day=day).first()
    reversed_total = reversals.aggregate(amount=_sum("amount"))["amount"]
    visits = served_today(hall, day=day)
    return {
        "hall": hall.name,
        "day": day.isoformat(),
        "payments": totals["count"],
        "gross": _money(totals["gross"]),
        "voided_count": totals["voided_count"],
        "voided": _money(totals["voided"]),
        "reversed": _money(reversed_total),
        "reversal_count": len(reversal_rows),
        "reversals": reversal_rows,
        "net": _money(totals["gross"] - reversed_total),
        "vas": {"count": vas["count"], "amount": _money(vas["amount"])},
        "by_tender": by_tender,
        "by_item": by_item,
        "by_business_type": businesses_by_type(hall, day=day),
        "by_rep": by_rep,
        "by_window": by_window,
        "receipt_books": receipt_books,
        "tills": tills,
        "cash_system": _money(cash_system),
        "cash_takings": _money(cash_counted),
        "exceptions": exceptions,
        "open_exceptions": sum(1 for e in exceptions if not e["resolved"]),
        "deposit": None
        if deposit is None
        else {
            "amount": _money(deposit.amount),
            "bank": deposit.bank,
            "slip_number": deposit.slip_number,
            "explanation": deposit.explanation,
        },
        "visits": visits,
    }


def as_decimal(value: str) -> Decimal:
    return Decimal(value) if value not in (None, "") else ZERO
