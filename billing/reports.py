"""The daily revenue report (spec §4.6), assembled from SQL aggregates into a JSON-ready snapshot.

Amounts are kept as strings of 2-decimal numbers in the snapshot (JSON has no decimal type) and read back
as `Decimal` by `load_report`; every figure is a GROUP BY in the database, never a loop over payments.
"""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce

from billing.models import (
    Deposit,
    Discrepancy,
    FeeItem,
    LedgerLine,
    Payment,
    PaymentLine,
    PaymentTender,
    Receipt,
    ReceiptBook,
    Reversal,
    Tender,
    Till,
    TillTender,
)
from counter.selectors.businesses import businesses_by_type
from counter.selectors.queue import served_today
from servicecenter.models import Hall, User, Window
from servicecenter.money import ZERO


def _money(value) -> str:
    return f"{(value or ZERO):.2f}"


def _numbers(row: dict, first: int, last: int) -> str:
    prefix, digits = row["book__prefix"], row["book__digits"]
    return f"{prefix}{first:0{digits}d}–{prefix}{last:0{digits}d}"


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _cents(column: str, *, each: bool | None = False) -> str:
    """A money column in whole fen, exact on PostgreSQL and on SQLite (which has no decimal type): summed
    (default), the group's one value (`each=True`), or the row's own (`each=None`)."""
    cents = f"CAST(ROUND({column} * 100) AS INTEGER)"
    if each is None:
        return cents
    return f"MAX({cents})" if each else f"COALESCE(SUM({cents}), 0)"


def _rows(sql: str, params: dict, *, money=("amount",)) -> list[dict]:
    """Rows of a hand-written statement as dicts, the `money` columns (fen) back to Decimal yuan.

    Only table and column names are put into the SQL text (from the models); values are always bound."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        for name in money:
            if name in row:
                value = row[name]
                row[name] = None if value is None else (Decimal(int(value)) / 100).quantize(Decimal("0.01"))
    return rows


def _sum(field: str):
    return Coalesce(Sum(field), Value(ZERO))


def build_daily_report(hall: Hall, day: date) -> dict:
    """Every figure of a hall's business day. Read-only; `services.days.generate_daily_report` stores it."""
    # Totals, by rep and by window from one GROUP BY over the day's payments (a few rows per rep). The money
    # figures are hand-written SQL: the report is read often and its ORM compile time outweighed the queries.
    where = {"hall": hall.pk, "day": day.isoformat()}
    totals = {"count": 0, "gross": ZERO, "voided_count": 0, "voided": ZERO}
    reps: dict[int, dict] = {}
    windows: dict[object, dict] = {}
    for r in _rows(
        f"""SELECT p.rep_id, u.username, u.first_name, u.last_name, u.staff_number, w.number AS window,
                   p.status, COUNT(*) AS n, {_cents("p.total")} AS amount
              FROM {_t(Payment)} p JOIN {_t(User)} u ON u.id = p.rep_id
              LEFT JOIN {_t(Window)} w ON w.id = p.window_id
             WHERE p.hall_id = %(hall)s AND p.business_day = %(day)s
             GROUP BY p.rep_id, u.username, u.first_name, u.last_name, u.staff_number, w.number, p.status""",  # noqa: S608
        where,
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
        window = windows.setdefault(r["window"], {"count": 0, "amount": ZERO})
        window["count"] += r["n"]
        window["amount"] += r["amount"]
    reversals = Reversal.objects.filter(hall=hall, business_day=day, state=Reversal.State.APPROVED)
    reversal_rows = [
        {
            "payment": r["number"],
            "payment_day": str(r["payment_day"])[:10],
            "amount": _money(r["amount"]),
            "reason": r["reason"],
            "requested_by": f"{r['rq_last']}{r['rq_first']}".strip() or r["rq_user"],
            "approved_by": f"{r['dc_last'] or ''}{r['dc_first'] or ''}".strip() or (r["dc_user"] or ""),
        }
        for r in _rows(
            f"""SELECT p.number, p.business_day AS payment_day, r.reason,
                       {_cents("r.amount", each=None)} AS amount,
                       rq.username AS rq_user, rq.first_name AS rq_first, rq.last_name AS rq_last,
                       dc.username AS dc_user, dc.first_name AS dc_first, dc.last_name AS dc_last
                  FROM {_t(Reversal)} r JOIN {_t(Payment)} p ON p.id = r.payment_id
                  JOIN {_t(User)} rq ON rq.id = r.requested_by_id
                  LEFT JOIN {_t(User)} dc ON dc.id = r.decided_by_id
                 WHERE r.hall_id = %(hall)s AND r.business_day = %(day)s AND r.state = 'approved'
                 ORDER BY r.decided_at LIMIT 500""",  # noqa: S608
            where,
        )
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
    for row in _rows(
        f"""SELECT t.id AS tender_id, t.name AS tender__name, t.kind AS tender__kind,
                   COUNT(DISTINCT pt.payment_id) AS count, {_cents("pt.amount")} AS amount
              FROM {_t(PaymentTender)} pt JOIN {_t(Payment)} p ON p.id = pt.payment_id
              JOIN {_t(Tender)} t ON t.id = pt.tender_id
             WHERE p.hall_id = %(hall)s AND p.business_day = %(day)s AND p.status <> 'voided'
             GROUP BY t.id, t.name, t.kind, t.{_q("order")} ORDER BY t.{_q("order")}, t.name""",  # noqa: S608
        where,
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
    item_rows = _rows(
        f"""SELECT f.name AS fee_item__name, f.kind AS fee_item__kind, COUNT(DISTINCT l.payment_id) AS count,
                   COUNT(*) AS n, SUM(l.quantity) AS quantity, {_cents("l.amount")} AS amount
              FROM {_t(PaymentLine)} l JOIN {_t(Payment)} p ON p.id = l.payment_id
              JOIN {_t(FeeItem)} f ON f.id = l.fee_item_id
             WHERE p.hall_id = %(hall)s AND p.business_day = %(day)s AND p.status <> 'voided'
             GROUP BY f.id, f.name, f.kind, f.{_q("order")} ORDER BY f.{_q("order")}, f.name""",  # noqa: S608
        where,
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
            "rep": f"{r['row']['last_name']}{r['row']['first_name']}".strip() or r["row"]["username"],
            "staff_number": r["row"]["staff_number"] or "",
            "count": r["count"],
            "amount": _money(r["amount"]),
        }
        for r in sorted(reps.values(), key=lambda r: (r["row"]["staff_number"] or "", r["row"]["username"]))
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
        for r in _rows(
            f"""SELECT b.prefix AS book__prefix, b.digits AS book__digits,
                       b.first_number AS book__first_number, b.last_number AS book__last_number,
                       MIN(r.sequence) AS first, MAX(r.sequence) AS last,
                       SUM(CASE WHEN r.status = 'issued' THEN 1 ELSE 0 END) AS issued,
                       SUM(CASE WHEN r.status = 'voided' THEN 1 ELSE 0 END) AS voided
                  FROM {_t(Receipt)} r JOIN {_t(ReceiptBook)} b ON b.id = r.book_id
                 WHERE r.hall_id = %(hall)s AND r.business_day = %(day)s
                 GROUP BY b.id, b.prefix, b.digits, b.first_number, b.last_number
                 ORDER BY b.prefix, b.first_number""",  # noqa: S608
            where,
        )
    ]
    tills = []
    cash_counted = ZERO
    for till in _rows(
        f"""SELECT t.number, t.state, t.explanation, u.username, u.first_name, u.last_name,
                   {_cents("t.opening_float", each=True)} AS float, COUNT(tt.id) AS legs,
                   {_cents("tt.system")} AS system, {_cents("tt.receipts")} AS receipts,
                   {_cents("tt.counted")} AS counted,
                   SUM(CASE WHEN tn.kind = 'cash' THEN CAST(ROUND(tt.counted * 100) AS INTEGER) ELSE 0 END)
                       AS cash_counted
              FROM {_t(Till)} t JOIN {_t(User)} u ON u.id = t.rep_id
              LEFT JOIN {_t(TillTender)} tt ON tt.till_id = t.id
              LEFT JOIN {_t(Tender)} tn ON tn.id = tt.tender_id
             WHERE t.hall_id = %(hall)s AND t.business_day = %(day)s
             GROUP BY t.id, t.number, t.state, t.explanation, t.opening_float, u.username, u.first_name,
                      u.last_name
             ORDER BY t.number""",  # noqa: S608
        where,
        money=("float", "system", "receipts", "counted", "cash_counted"),
    ):
        row = {
            "number": till["number"],
            "rep": f"{till['last_name']}{till['first_name']}".strip() or till["username"],
            "state": till["state"],
            "float": _money(till["float"]),
            "explanation": till["explanation"],
        }
        if till["legs"]:
            row.update(
                system=_money(till["system"]),
                receipts=_money(till["receipts"]),
                counted=_money(till["counted"]),
                difference=_money(till["counted"] - till["system"]),
            )
            cash_counted += till["cash_counted"]
        tills.append(row)
    cash_system = sum((Decimal(r["amount"]) for r in by_tender if r["kind"] == "cash"), ZERO)
    exceptions = [
        {
            "kind": d["kind"],
            "payment": d["payment"] or "",
            "reference": d["reference"] or "",
            "system_amount": _money(d["system_amount"]) if d["system_amount"] is not None else "",
            "file_amount": _money(d["file_amount"]) if d["file_amount"] is not None else "",
            "note": d["note"],
            "resolved": d["resolved_at"] is not None,
        }
        for d in _rows(
            f"""SELECT d.kind, p.number AS payment, l.reference,
                       {_cents("d.system_amount", each=None)} AS system_amount,
                       {_cents("d.file_amount", each=None)} AS file_amount, d.note, d.resolved_at
                  FROM {_t(Discrepancy)} d LEFT JOIN {_t(Payment)} p ON p.id = d.payment_id
                  LEFT JOIN {_t(LedgerLine)} l ON l.id = d.line_id
                 WHERE d.hall_id = %(hall)s AND d.business_day = %(day)s ORDER BY d.id LIMIT 500""",  # noqa: S608
            where,
            money=("system_amount", "file_amount"),
        )
    ]
    deposits = _rows(
        f"""SELECT {_cents("amount", each=None)} AS amount, bank, slip_number, explanation
              FROM {_t(Deposit)} WHERE hall_id = %(hall)s AND day = %(day)s""",  # noqa: S608
        where,
    )
    deposit = deposits[0] if deposits else None
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
            "amount": _money(deposit["amount"]),
            "bank": deposit["bank"],
            "slip_number": deposit["slip_number"],
            "explanation": deposit["explanation"],
        },
        "visits": visits,
    }


def as_decimal(value: str) -> Decimal:
    return Decimal(value) if value not in (None, "") else ZERO
