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
    tenders = PaymentTender.objects.filter(payment__hall=hall, payment__business_day=day).exclude(
        payment__status=Payment.Status.VOIDED
    )
    lines = PaymentLine.objects.filter(payment__hall=hall, payment__business_day=day).exclude(
        payment__status=Payment.Status.VOIDED
    )
    # Totals, by rep and by window from one GROUP BY over the day's payments (a few rows per rep).
    totals = {"count": 0, "gross": ZERO, "voided_count": 0, "voided": ZERO}
    reps: dict[int, dict] = {}
    windows: dict[object, dict] = {}
    for r in (
        payments.values(
            "rep_id",
            "rep__username",
            "rep__first_name",
            "rep__last_name",
            "rep__staff_number",
            "window__number",
            "status",
        )
        .annotate(n=Count("pk"), amount=Sum("total"))
        .order_by()
    ):
        if r["status"] == Payment.Status.VOIDED:
            totals["voided_count"] += r["n"]
            totals["voided"] += r["amount"]
            continue
        totals["count"] += r["n"]
        totals["gross"] += r["amount"]
        rep = reps.setdefault(r["rep_id"], {"row": r, "count": 0, "amount": ZERO})
        rep["count"] += r["n"]
        rep["amount"] += r["amount"]
        window = windows.setdefault(r["window__number"], {"count": 0, "amount": ZERO})
        window["count"] += r["n"]
        window["amount"] += r["amount"]
    reversals = Reversal.objects.filter(hall=hall, business_day=day, state=Reversal.State.APPROVED)
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
    reversed_total = sum((Decimal(r["amount"]) for r in reversal_rows), ZERO)
    reversed_by_tender = (
        {
            r["tender_id"]: r["amount"]
            for r in PaymentTender.objects.filter(payment__reversals__in=reversals)
            .values("tender_id")
            .annotate(amount=_sum("amount"))
        }
        if reversal_rows
        else {}
    )
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
    item_rows = list(
        lines.values("fee_item__name", "fee_item__kind", "fee_item__order")
        .annotate(
            count=Count("payment_id", distinct=True),
            n=Count("pk"),
            quantity=Sum("quantity"),
            amount=Sum("amount"),
        )
        .order_by("fee_item__order", "fee_item__name")
    )
    by_item = [
        {
            "item": r["fee_item__name"],
            "kind": r["fee_item__kind"],
            "count": r["count"],
            "quantity": r["quantity"],
            "amount": _money(r["amount"]),
        }
        for r in item_rows
    ]
    vas_rows = [r for r in item_rows if r["fee_item__kind"] == FeeItem.Kind.VAS]
    vas = {"count": sum(r["n"] for r in vas_rows), "amount": sum((r["amount"] for r in vas_rows), ZERO)}
    by_rep = [
        {
            "rep": (
                f"{r['row']['rep__last_name']}{r['row']['rep__first_name']}" or r["row"]["rep__username"]
            ),
            "staff_number": r["row"]["rep__staff_number"] or "",
            "count": r["count"],
            "amount": _money(r["amount"]),
        }
        for r in sorted(
            reps.values(), key=lambda r: (r["row"]["rep__staff_number"] or "", r["row"]["rep__username"])
        )
    ]
    by_window = [
        {"window": number, "count": w["count"], "amount": _money(w["amount"])}
        for number, w in sorted(windows.items(), key=lambda item: (item[0] is None, item[0] or 0))
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
    tills = []
    cash_counted = ZERO
    for till in (
        Till.objects.filter(hall=hall, business_day=day)
        .select_related("rep")
        .annotate(
            legs=Count("tenders"),
            system_total=Sum("tenders__system"),
            receipts_total=Sum("tenders__receipts"),
            counted_total=Sum("tenders__counted"),
            cash_counted=Sum("tenders__counted", filter=Q(tenders__tender__kind="cash")),
        )
        .order_by("number")
    ):
        row = {
            "number": till.number,
            "rep": till.rep.display_name,
            "state": till.state,
            "float": _money(till.opening_float),
            "explanation": till.explanation,
        }
        if till.legs:
            row.update(
                system=_money(till.system_total),
                receipts=_money(till.receipts_total),
                counted=_money(till.counted_total),
                difference=_money(till.counted_total - till.system_total),
            )
            cash_counted += till.cash_counted or ZERO
        tills.append(row)
    cash_system = sum((Decimal(r["amount"]) for r in by_tender if r["kind"] == "cash"), ZERO)
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
    deposit = Deposit.objects.filter(hall=hall, day=day).first()
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
