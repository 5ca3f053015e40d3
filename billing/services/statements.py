"""The monthly statement (spec §4.6): an auditor asks for it, the worker builds it step by step — the
progress is saved as it goes, for the page's bar — and stores the PDF (and the appendix) privately."""

import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from pypdf import PdfReader, PdfWriter

from billing.errors import BillingError
from billing.models import HallDay, Statement
from billing.pdf import write_appendix_pdf
from billing.services import jobs
from billing.services.common import now, require_hall_perm
from billing.statements import appendix_rows, appendix_title, render_statement_pdf, statement_data
from servicecenter.clock import Period, business_day, hall_zone
from servicecenter.exports import Column, Table, write_xlsx
from servicecenter.models import Hall, User


def open_days(hall: Hall, period: Period) -> list[str]:
    """The business days of the month with a record that are not locked yet."""
    days = HallDay.objects.filter(hall=hall, day__gte=period.first, day__lte=period.last).exclude(
        state=HallDay.State.LOCKED
    )
    return [d.isoformat() for d in days.order_by("day").values_list("day", flat=True)]


@transaction.atomic(durable=True)
def request_statement(
    *, hall: Hall, period: Period, appendix: str = "", by: User, at: datetime | None = None
) -> tuple[Statement, bool]:
    """Ask for the month's statement: (it, whether it is new); the worker builds it once this commits.
    Asking again while one is waiting or being built gives that one. Refused: a month that has not begun,
    an unknown appendix, and — where the hall's policy says so — a month with days not locked yet."""
    at = now(at)
    require_hall_perm(by, hall, "billing.build_statement")
    if period.kind != Period.MONTH:
        raise BillingError(_("A statement covers a calendar month."))
    if appendix not in Statement.Appendix.values:
        raise BillingError(_("Choose how the transaction appendix comes: none, in the PDF, or as Excel."))
    today = business_day(hall, at)
    if period.first > today:
        raise BillingError(_("This month has not begun yet: there is nothing to state."), code="future")
    unlocked = open_days(hall, period)
    if hall.statement_open_days == Hall.OpenDays.REFUSE:
        if period.last >= today:
            raise BillingError(
                _("This month has not ended yet: the statement is built once every day of it is locked."),
                code="open_days",
            )
        if unlocked:
            raise BillingError(
                _("Days of this month are not locked yet (%(days)s): lock them first.")
                % {"days": "、".join(unlocked[:10]) + ("…" if len(unlocked) > 10 else "")},
                code="open_days",
            )
    # One at a time per month and kind: the first request holds the hall's row until it commits.
    Hall.objects.select_for_update().filter(pk=hall.pk).first()
    waiting = Statement.objects.filter(
        hall=hall,
        month=period.first,
        appendix=appendix,
        state__in=[Statement.State.QUEUED, Statement.State.RUNNING],
        requested_at__gt=at - jobs.STALE_AFTER,
    ).first()
    if waiting is not None:
        return waiting, False
    statement = Statement(
        hall=hall, month=period.first, appendix=appendix, requested_by=by, requested_at=at, open_days=unlocked
    )
    statement._history_user = by
    statement.save()
    transaction.on_commit(lambda: _queue(statement.pk))
    return statement, True


def _queue(statement_id: int) -> None:
    from billing.tasks import build_statement  # the tasks module calls back into these services

    build_statement.delay(statement_id)


def build_statement(*, statement_id: int, at: datetime | None = None) -> Statement | None:
    """Build and store the statement (run by the worker). Safe to run twice: a statement is built once.
    Each step saves its progress; a failure is recorded on the statement, with its message."""
    at = now(at)
    statement = jobs.claim(
        Statement.objects.select_related("hall", "requested_by"),
        statement_id,
        at=at,
        step=_("Reading the month's figures"),
    )
    if statement is None:
        return None
    try:
        # The statement is in the language its readers' hall keeps its books in: Chinese.
        with override("zh-hans"), tempfile.TemporaryDirectory(prefix="statement-") as tmp:
            return _build(statement, at, Path(tmp))
    except Exception as error:
        return jobs.record_failure(statement, error)


def _build(statement: Statement, at: datetime, tmp: Path) -> Statement:
    hall = statement.hall
    period = Period.of(Period.MONTH, statement.month)
    data = statement_data(hall, period, at=at, requested_by=statement.requested_by)
    report = data["report"]
    with_pdf_appendix = statement.appendix == Statement.Appendix.PDF
    jobs.record_progress(statement, 10, _("Laying out the statement"))
    main = render_statement_pdf(data)
    name = f"{hall.code}-{period.key}-{statement.pk}"
    pdf_path = tmp / f"{name}.pdf"
    pdf_path.write_bytes(main)
    appendix_path = None
    total = report["payments"] + report["voided_count"]
    if statement.appendix:
        jobs.record_progress(statement, 30, _("Writing the transaction appendix"))
        rows = appendix_rows(hall, period)

        def moved(done: int) -> None:
            share = done / total if total else 1
            jobs.record_progress(
                statement,
                30 + int(65 * share),
                _("Transaction appendix: %(done)s of %(total)s")
                % {
                    "done": done,
                    "total": total,
                },
            )

        if with_pdf_appendix:
            appendix_path = tmp / "appendix.pdf"
            with appendix_path.open("wb") as out:
                write_appendix_pdf(
                    rows,
                    out,
                    context={
                        "hall": hall.name,
                        "period": period.label,
                        "title": appendix_title(),
                        "time_zone": hall.time_zone,
                    },
                    first_page=_pages(pdf_path) + 1,
                    on_progress=moved,
                )
            joined = tmp / f"{name}-full.pdf"
            writer = PdfWriter()
            writer.append(pdf_path)
            writer.append(appendix_path)
            with joined.open("wb") as out:
                writer.write(out)
            pdf_path = joined
        else:
            appendix_path = tmp / f"{name}-appendix.xlsx"
            _appendix_xlsx(rows, appendix_path, moved, hall)
    jobs.record_progress(statement, 97, _("Storing the files"))
    with transaction.atomic(durable=True):
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        with pdf_path.open("rb") as handle:
            statement.pdf.save(f"{name}.pdf", File(handle), save=False)
        if appendix_path is not None and not with_pdf_appendix:
            with appendix_path.open("rb") as handle:
                statement.appendix_file.save(f"{name}-appendix.xlsx", File(handle), save=False)
        statement.state, statement.progress, statement.step = Statement.State.DONE, 100, _("Ready")
        statement.finished_at = timezone.now()
        statement.payments = report["payments"]
        statement.net = Decimal(report["net"])
        statement.open_days = [d["day"] for d in report["open_days"]]
        statement._history_user = statement.requested_by
        statement.save()
    return statement


def _pages(path: Path) -> int:
    return len(PdfReader(path).pages)


def _appendix_xlsx(rows, path: Path, moved, hall: Hall) -> None:
    """The appendix as one sheet, streamed (openpyxl's write-only mode); numbers that are ids stay text.
    Voided payments are listed with their amount apart, so that the 合计 row is the month's takings."""
    zone = hall_zone(hall)
    columns = [
        Column("business_day", _("Business day"), kind="date"),
        Column("time", _("Time")),
        Column("number", _("Payment"), kind="id"),
        Column("receipt", _("Receipt number"), kind="id"),
        Column("rep", _("Rep")),
        Column("window", _("Window"), kind="int"),
        Column("account", _("Account number"), kind="id"),
        Column("items", _("Items")),
        Column("tenders", _("Tenders")),
        Column("amount", _("Amount"), kind="money", total=True),
        Column("voided", _("Voided"), kind="money", total=True),
        Column("status", _("Status")),
    ]

    def counted():
        for done, row in enumerate(rows, start=1):
            if done % 1000 == 0:
                moved(done)
            voided = row["voided"]
            yield {
                **row,
                "time": row["created_at"].astimezone(zone).strftime("%H:%M"),
                "amount": None if voided else row["total"],
                "voided": row["total"] if voided else None,
            }

    write_xlsx(path, [Table(appendix_title(), columns, counted())])
