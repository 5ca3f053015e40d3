"""The monthly statement's contents (spec §4.6): the month's figures with its approvals, rendered to PDF; and
the month's payments one by one, for its appendix. Reads only; `services.statements` stores the files."""

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from itertools import islice

from django.http import FileResponse, Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Deposit, HallDay, Payment, PaymentLine, PaymentTender, Receipt, Statement
from billing.pdf import html_to_pdf
from billing.periods import build_period_report
from servicecenter.clock import Period, business_day, hall_zone
from servicecenter.exports import XLSX_CONTENT_TYPE
from servicecenter.models import Hall
from servicecenter.money import to_chinese_capital

STATEMENT_TEMPLATE = "billing/pdf/statement.html"
_ROWS_PER_BATCH = 1000


def _person(user) -> str:
    if user is None:
        return ""
    return f"{user.last_name}{user.first_name}".strip() or user.username


def statement_data(hall: Hall, period: Period, *, at: datetime, requested_by=None) -> dict:
    """Everything the statement shows: the period report of the hall-month and who approved what."""
    report = build_period_report([hall], period)
    month = {"hall": hall, "day__gte": period.first, "day__lte": period.last}
    approvals = {d.day.isoformat(): d for d in HallDay.objects.filter(**month).select_related("approved_by")}
    deposits = {d.day.isoformat(): d for d in Deposit.objects.filter(**month).select_related("recorded_by")}
    labels = dict(HallDay.State.choices)
    days = []
    for row in report["days"]:
        if not (row["state"] or row["payments"] or row["visits"]):
            continue
        day = approvals.get(row["day"])
        deposit = deposits.get(row["day"])
        days.append(
            {
                **row,
                "state_label": labels.get(row["state"], ""),
                "approved_by": _person(day.approved_by) if day else "",
                "approved_at": day.approved_at if day else None,
                "deposit_by": _person(deposit.recorded_by) if deposit else "",
            }
        )
    approvers = sorted({d["approved_by"] for d in days if d["approved_by"]})
    return {
        "hall": hall,
        "company": hall.company.name,
        "period": period,
        "period_label": period.label,
        "previous_label": period.previous().label,
        "report": report,
        "days": days,
        "approvers": approvers,
        "net_in_words": to_chinese_capital(Decimal(report["net"])),
        "generated_at": timezone.localtime(at, hall_zone(hall)),
        "requested_by": _person(requested_by),
        "final": not report["open_days"] and period.last < business_day(hall, at),
        "month_ended": period.last < business_day(hall, at),
    }


def render_statement_pdf(data: dict) -> bytes:
    """The statement's own pages (cover, summary, tables) as a PDF."""
    return html_to_pdf(render_to_string(STATEMENT_TEMPLATE, data))


def appendix_rows(hall: Hall, period: Period) -> Iterator[dict]:
    """The month's payments in the order they were taken, each with its receipt, items and tenders, read a
    batch at a time (three statements a batch: a month of 30,000 payments is never in memory at once)."""
    payments = (
        Payment.objects.filter(hall=hall, business_day__gte=period.first, business_day__lte=period.last)
        .order_by("business_day", "created_at", "pk")
        .values_list(
            "pk",
            "business_day",
            "created_at",
            "number",
            "status",
            "total",
            "rep__last_name",
            "rep__first_name",
            "rep__username",
            "window__number",
            "account__number",
        )
    )
    statuses = dict(Payment.Status.choices)
    rows = payments.iterator(chunk_size=_ROWS_PER_BATCH * 2)
    while batch := list(islice(rows, _ROWS_PER_BATCH)):
        ids = [row[0] for row in batch]
        receipts = dict(
            Receipt.objects.filter(payment_id__in=ids, status=Receipt.Status.ISSUED).values_list(
                "payment_id", "number"
            )
        )
        items: dict[int, list[str]] = {}
        for payment_id, name, quantity in PaymentLine.objects.filter(payment_id__in=ids).values_list(
            "payment_id", "fee_item__name", "quantity"
        ):
            items.setdefault(payment_id, []).append(f"{name} ×{quantity}")
        tenders: dict[int, list[str]] = {}
        for payment_id, name, amount in PaymentTender.objects.filter(payment_id__in=ids).values_list(
            "payment_id", "tender__name", "amount"
        ):
            tenders.setdefault(payment_id, []).append(f"{name} {amount:.2f}")
        for pk, day, created_at, number, status, total, last, first, username, window, account in batch:
            yield {
                "business_day": day,
                "created_at": created_at,
                "number": number,
                "receipt": receipts.get(pk, ""),
                "rep": f"{last}{first}".strip() or username,
                "window": window,
                "account": account or "",
                "items": "；".join(items.get(pk, [])),
                "tenders": "；".join(tenders.get(pk, [])),
                "total": total,
                "status": "" if status == Payment.Status.COMPLETED else str(statuses.get(status, status)),
                "voided": status == Payment.Status.VOIDED,
            }


def appendix_title() -> str:
    return _("Transaction appendix")


def statement_file(statement: Statement, which: str, filename: str) -> FileResponse:
    """A finished statement's PDF (`which="pdf"`) or Excel appendix as a download; Http404 until it exists."""
    field, content_type = (
        (statement.pdf, "application/pdf") if which == "pdf" else (statement.appendix_file, XLSX_CONTENT_TYPE)
    )
    if statement.state != Statement.State.DONE or not field:
        raise Http404
    return FileResponse(field.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
