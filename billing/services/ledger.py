"""The fourth leg of the reconciliation (spec §4.3): the billing system's ledger and the payment channels'
settlement files, imported and matched line by line against the day's payments; what does not match is an
exception (差异) the auditor resolves or explains before the day can be approved.

The files are what Chinese systems and Excel write (read by `servicecenter.csvfiles`, as the bills export
is): UTF-8 with or without BOM or GB18030, CRLF, Excel's quoting, Chinese column names in any order under
any of their usual names. Comment lines (`#…`, Alipay) are skipped; a totals row (合计, 总计, WeChat Pay's
总交易单数 …) ends the transactions. A file is imported whole or not at all, and once per hall.
"""

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from billing.errors import BillingError
from billing.models import Discrepancy, LedgerImport, LedgerLine, Payment, PaymentTender, Receipt, Tender
from billing.services.common import MAX_AMOUNT, hold_open_day, now, require_hall_perm
from servicecenter import csvfiles
from servicecenter.clock import business_day, hall_zone
from servicecenter.models import Hall, User
from servicecenter.money import CENT, ZERO, format_cny, quantize

PERMISSION = "billing.reconcile"
MIN_NOTE = 4
MAX_NOTE = 1000
_BULK_BATCH = 1000

# Column keys, and the names each goes by in the files, preferred first (the first one present is read).
REFERENCE, AMOUNT, ACCOUNT, AT = "reference", "amount", "account", "at"
LEDGER_COLUMNS: dict[str, tuple[str, ...]] = {
    REFERENCE: ("票据号", "票据号码", "收据号", "收据号码", "票号"),
    AMOUNT: ("金额", "实收金额", "收费金额", "缴费金额", "交易金额"),
    ACCOUNT: ("户号", "用户号", "客户号", "燃气户号"),
    AT: ("交易时间", "收费时间", "缴费时间", "时间"),
}
SETTLEMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    # The channel's own transaction number comes first: it is what the rep scans or types at the counter.
    REFERENCE: (
        "交易单号",
        "交易号",
        "交易流水号",
        "微信支付单号",
        "微信订单号",
        "支付宝交易号",
        "商户订单号",
        "订单号",
        "检索参考号",
        "参考号",
    ),
    AMOUNT: ("金额", "交易金额", "实收金额", "应结订单金额", "订单金额", "收款金额"),
    AT: ("交易时间", "支付时间", "付款时间", "时间"),
}
REQUIRED = (REFERENCE, AMOUNT)
# A row starting with one of these closes the list of transactions: what follows is a summary.
_FOOTERS = ("合计", "总计", "小计", "总交易单数", "总笔数", "汇总")

_MOMENT = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_COMPACT_MOMENT = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$")


class LedgerRejected(BillingError):
    """The file was refused: `errors` lists (line, message) for the first problems, `total` counts them
    all. Nothing was imported."""

    def __init__(self, errors: list[tuple[int, str]], *, total: int | None = None):
        total = len(errors) if total is None else total
        super().__init__(
            ngettext(
                "The file was not imported: %(count)s problem was found. Nothing has been changed.",
                "The file was not imported: %(count)s problems were found. Nothing has been changed.",
                total,
            )
            % {"count": total},
            code="rejected",
        )
        self.errors = errors
        self.total = total


@dataclass
class _Row:
    line: int
    reference: str
    amount: Decimal
    account: str = ""
    at: datetime | None = None
    payment_id: int | None = None
    obj: LedgerLine | None = field(default=None, repr=False)


def columns_for(source: str) -> dict[str, tuple[str, ...]]:
    return SETTLEMENT_COLUMNS if source == LedgerImport.Source.SETTLEMENT else LEDGER_COLUMNS


@transaction.atomic(durable=True)
def import_ledger_file(
    *,
    hall: Hall,
    day: date,
    source: str,
    raw: bytes,
    file_name: str,
    by: User,
    tender: Tender | None = None,
    at: datetime | None = None,
) -> LedgerImport:
    """Import the billing system's ledger (LEDGER) or a channel's settlement file (SETTLEMENT, `tender` is
    the channel) for the hall's business day, and match it against the day's payments.

    Matching, written as the day's exceptions (Discrepancy):
    - LEDGER: a line is the payment whose valid receipt carries its 票据号; a different total is
      AMOUNT_MISMATCH, no such payment (none, voided, another day's) MISSING_IN_SYSTEM; a payment of the day
      that counts (not voided) with no line is MISSING_IN_FILE. A receipt number twice in the file is a bad
      line.
    - SETTLEMENT: lines are the channel's transactions, matched with the payments' tenders of that channel
      by transaction reference; the lines of one reference are netted first (a payment and its refund).
      Tenders recorded without a reference (bank cards) are matched with the remaining lines of the same
      amount, one for one. Amount differences and the unmatched on either side are exceptions as above.

    A new import of the same source (and channel) for the day supersedes the earlier ones: their exceptions
    still open are closed with the note "Superseded by import <file>", and the new file's are the open ones.
    Exceptions already resolved or explained stay as they were.

    Raises LedgerRejected (problems by line) for a bad file, BillingError for a file imported before, a
    closed day or a missing permission; nothing is changed then.
    """
    at = now(at)
    require_hall_perm(by, hall, PERMISSION)
    if source not in LedgerImport.Source.values:
        raise BillingError(_("Choose what the file is: the billing system's ledger or a settlement file."))
    if source == LedgerImport.Source.SETTLEMENT:
        if tender is None:
            raise BillingError(_("Choose the payment channel the settlement file comes from."))
        if tender.company_id != hall.company_id or tender.is_cash:
            raise BillingError(
                _("%(tender)s is not a payment channel with settlement files.") % {"tender": tender.name}
            )
    else:
        tender = None
    if day > business_day(hall, at):
        raise BillingError(_("This business day has not started yet."))
    hold_open_day(hall=hall, day=day)
    # One import at a time per hall: a second file of the same day then sees, and supersedes, the first.
    # NO KEY UPDATE leaves the payments' foreign-key locks on the hall free.
    Hall.objects.select_for_update(no_key=True).filter(pk=hall.pk).first()

    sha256 = hashlib.sha256(raw).hexdigest()
    earlier = LedgerImport.objects.filter(hall=hall, file_sha256=sha256).select_related("imported_by").first()
    if earlier is not None:
        raise _already_imported(earlier)

    text, encoding = _decode(raw)
    rows = _parse(text, source=source, hall=hall)

    if source == LedgerImport.Source.LEDGER:
        exceptions = _match_ledger(hall, day, rows)
    else:
        exceptions = _match_settlement(hall, day, tender, rows)

    record = LedgerImport(
        hall=hall,
        business_day=day,
        source=source,
        tender=tender,
        file_name=(file_name or "")[:200],
        file_sha256=sha256,
        encoding=encoding,
        line_count=len(rows),
        total=quantize(sum((row.amount for row in rows), ZERO)),
        imported_at=at,
        imported_by=by,
    )
    try:
        with transaction.atomic(savepoint=True):
            record.save()
    except IntegrityError:
        # The same file imported at the very same moment by a colleague (the hall lock makes this rare).
        raise BillingError(
            _("This file was already imported; nothing has been changed."), code="already_imported"
        ) from None
    for row in rows:
        row.obj = LedgerLine(
            source_import=record,
            line_number=row.line,
            reference=row.reference,
            account_number=row.account,
            amount=row.amount,
            at=row.at,
            payment_id=row.payment_id,
        )
    LedgerLine.objects.bulk_create([row.obj for row in rows], batch_size=_BULK_BATCH)

    _supersede(hall, day, source, tender, record, by=by, at=at)
    for item in exceptions:
        item.source_import = record
        if item.line_row is not None:
            item.line = item.line_row.obj
    bulk_create_with_history(
        exceptions, Discrepancy, batch_size=_BULK_BATCH, default_user=by, default_date=at
    )
    return record


def _already_imported(earlier: LedgerImport) -> BillingError:
    return BillingError(
        _("This file was already imported on %(date)s by %(user)s (as %(file)s); nothing has been changed.")
        % {
            "date": timezone.localtime(earlier.imported_at).strftime("%Y-%m-%d %H:%M"),
            "user": earlier.imported_by.display_name,
            "file": earlier.file_name,
        },
        code="already_imported",
    )


def _decode(raw: bytes) -> tuple[str, str]:
    try:
        return csvfiles.decode(raw)
    except csvfiles.UnreadableFile as exc:
        raise BillingError(exc.message, code=exc.code) from None


def _parse(text: str, *, source: str, hall: Hall) -> list[_Row]:
    """The file's transactions, every line checked; LedgerRejected with all problems by line if any."""
    columns = columns_for(source)
    records = csvfiles.records(text)
    problems = csvfiles.Problems()
    try:
        header = None
        for line, cells in records:
            if csvfiles.is_blank(cells) or _is_comment(cells):
                continue  # the title and notes some channels write above the header
            header = (line, cells)
            break
        if header is None:
            raise LedgerRejected([(1, _("The file is empty: the first line must be the header."))])
        positions, header_problems = csvfiles.read_header(header[1], columns, REQUIRED)
        if header_problems:
            raise LedgerRejected([(header[0], message) for message in header_problems])
        # Problems name a column as the file does.
        names = {key: header[1][index].strip().lstrip("\ufeff").strip() for key, index in positions.items()}
        rows: list[_Row] = []
        for line, cells in records:
            if csvfiles.is_blank(cells) or _is_comment(cells):
                continue
            if csvfiles.cell(cells[0]).startswith(_FOOTERS):
                break
            if len(cells) > len(header[1]):
                problems.add(
                    line,
                    _("This line has %(found)s cells but the header has %(expected)s: is a comma unquoted?")
                    % {"found": len(cells), "expected": len(header[1])},
                )
                continue
            row = _parse_row(line, cells, positions, names, source=source, hall=hall, problems=problems)
            if row is not None:
                rows.append(row)
    except csvfiles.UnreadableLine as exc:
        raise LedgerRejected([(exc.line, exc.message)]) from None
    if not rows and not problems:
        raise LedgerRejected([(header[0], _("The file has a header but no transactions."))])
    if source == LedgerImport.Source.LEDGER:
        seen: dict[str, int] = {}
        for row in rows:
            if row.reference in seen:
                problems.add(
                    row.line,
                    _("Receipt %(number)s is also on line %(line)s.")
                    % {"number": row.reference, "line": seen[row.reference]},
                )
            else:
                seen[row.reference] = row.line
    if problems:
        raise LedgerRejected(problems.items, total=problems.total)
    return rows


def _is_comment(cells: list[str]) -> bool:
    return cells[0].strip().lstrip("\ufeff").startswith("#")


def _parse_row(
    line: int,
    cells: list[str],
    positions: dict[str, int],
    names: dict[str, str],
    *,
    source: str,
    hall: Hall,
    problems: csvfiles.Problems,
) -> _Row | None:
    """One transaction, checked cell by cell; every problem is reported, None if there was any."""
    values = {
        key: csvfiles.cell(cells[index]) if index < len(cells) else "" for key, index in positions.items()
    }
    found = problems.total

    def problem(message: str, key: str, **extra) -> None:
        problems.add(line, message % {"column": names[key], "value": values.get(key, "")[:40], **extra})

    reference = values[REFERENCE]
    if not reference:
        problem(_("Column %(column)s is empty."), REFERENCE)
    elif len(reference) > 64:
        problem(_("Column %(column)s: “%(value)s” is longer than %(max)s characters."), REFERENCE, max=64)
    account = values.get(ACCOUNT, "")
    if len(account) > 20:
        problem(_("Column %(column)s: “%(value)s” is longer than %(max)s characters."), ACCOUNT, max=20)

    amount = None
    if not values[AMOUNT]:
        problem(_("Column %(column)s is empty."), AMOUNT)
    else:
        amount = csvfiles.amount(values[AMOUNT])
        if amount is None:
            problem(_("Column %(column)s: “%(value)s” is not an amount."), AMOUNT)
        elif amount != amount.quantize(CENT):
            problem(_("Column %(column)s: “%(value)s” has more than 2 decimal places."), AMOUNT)
        elif amount == 0:
            problem(_("Column %(column)s: the amount is zero."), AMOUNT)
        elif amount < 0 and source == LedgerImport.Source.LEDGER:
            # Refunds appear in a channel's settlement file; the ledger lists receipts, never below zero.
            problem(_("Column %(column)s: the amount must be more than zero."), AMOUNT)
        elif abs(amount) >= MAX_AMOUNT:
            problem(
                _("Column %(column)s: amounts of %(max)s or more are not taken at a counter."),
                AMOUNT,
                max=format_cny(MAX_AMOUNT),
            )

    moment = None
    if values.get(AT):
        moment = _moment(values[AT], hall)
        if moment is None:
            problem(
                _("Column %(column)s: “%(value)s” is not a date and time (write 2026-11-23 09:30:00)."), AT
            )

    if problems.total > found:
        return None
    return _Row(line, reference, quantize(amount), account, moment)


def _moment(value: str, hall: Hall) -> datetime | None:
    """A transaction time as the files write it, in the hall's time zone."""
    match = _MOMENT.match(value) or _COMPACT_MOMENT.match(value)
    if not match:
        return None
    parts = [int(part) if part else 0 for part in match.groups()]
    try:
        return datetime(*parts, tzinfo=hall_zone(hall))
    except ValueError:
        return None


def _exception(
    hall: Hall,
    day: date,
    kind: str,
    *,
    row: _Row | None = None,
    payment_id: int | None = None,
    system: Decimal | None = None,
    file: Decimal | None = None,
) -> Discrepancy:
    """An exception being built; it remembers its file row, whose LedgerLine is saved just before it."""
    item = Discrepancy(
        hall=hall,
        business_day=day,
        kind=kind,
        payment_id=payment_id,
        system_amount=system,
        file_amount=file,
    )
    item.line_row = row
    return item


def _match_ledger(hall: Hall, day: date, rows: list[_Row]) -> list[Discrepancy]:
    """Lines against the day's counting payments, by the number of their valid receipt (one query)."""
    valid_receipt = Receipt.objects.filter(payment=OuterRef("pk"), status=Receipt.Status.ISSUED).values(
        "number"
    )
    payments = list(
        Payment.objects.filter(hall=hall, business_day=day)
        .exclude(status=Payment.Status.VOIDED)
        .annotate(receipt_number=Subquery(valid_receipt[:1]))
        .order_by("created_at", "pk")
        .values("pk", "total", "receipt_number")
    )
    by_receipt = {p["receipt_number"]: p for p in payments if p["receipt_number"]}
    matched: set[int] = set()
    exceptions: list[Discrepancy] = []
    K = Discrepancy.Kind
    for row in rows:
        payment = by_receipt.get(row.reference)
        if payment is None:
            exceptions.append(_exception(hall, day, K.MISSING_IN_SYSTEM, row=row, file=row.amount))
            continue
        row.payment_id = payment["pk"]
        matched.add(payment["pk"])
        if payment["total"] != row.amount:
            exceptions.append(
                _exception(
                    hall,
                    day,
                    K.AMOUNT_MISMATCH,
                    row=row,
                    payment_id=payment["pk"],
                    system=payment["total"],
                    file=row.amount,
                )
            )
    exceptions.extend(
        _exception(hall, day, K.MISSING_IN_FILE, payment_id=p["pk"], system=p["total"])
        for p in payments
        if p["pk"] not in matched
    )
    return exceptions


def _match_settlement(hall: Hall, day: date, tender: Tender, rows: list[_Row]) -> list[Discrepancy]:
    """Lines against the day's tenders of the channel (payments that count), by reference (one query)."""
    candidates = list(
        PaymentTender.objects.filter(tender=tender, payment__hall=hall, payment__business_day=day)
        .exclude(payment__status=Payment.Status.VOIDED)
        .order_by("payment__created_at", "pk")
        .values("pk", "payment_id", "amount", "reference")
    )
    by_reference = {c["reference"]: c for c in candidates if c["reference"]}
    without_reference: dict = defaultdict(list)
    for c in candidates:
        if not c["reference"]:
            without_reference[c["amount"]].append(c)
    groups: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        groups[row.reference].append(row)

    matched: set[int] = set()
    exceptions: list[Discrepancy] = []
    K = Discrepancy.Kind
    for reference, lines in groups.items():
        net = quantize(sum((row.amount for row in lines), ZERO))
        first = lines[0]
        candidate = by_reference.get(reference)
        if candidate is None and net > 0 and without_reference.get(net):
            candidate = without_reference[net].pop(0)
        if candidate is None:
            if net != 0:  # paid and refunded within the file, and unknown here: nothing to reconcile
                exceptions.append(_exception(hall, day, K.MISSING_IN_SYSTEM, row=first, file=net))
            continue
        matched.add(candidate["pk"])
        for row in lines:
            row.payment_id = candidate["payment_id"]
        if candidate["amount"] != net:
            exceptions.append(
                _exception(
                    hall,
                    day,
                    K.AMOUNT_MISMATCH,
                    row=first,
                    payment_id=candidate["payment_id"],
                    system=candidate["amount"],
                    file=net,
                )
            )
    exceptions.extend(
        _exception(hall, day, K.MISSING_IN_FILE, payment_id=c["payment_id"], system=c["amount"])
        for c in candidates
        if c["pk"] not in matched
    )
    return exceptions


def _supersede(
    hall: Hall, day: date, source: str, tender: Tender | None, record: LedgerImport, *, by: User, at: datetime
) -> None:
    """Close the open exceptions of the earlier imports of this source and channel for the day."""
    earlier = list(
        Discrepancy.objects.select_for_update(of=("self",)).filter(
            hall=hall,
            business_day=day,
            resolved_at__isnull=True,
            source_import__source=source,
            source_import__tender=tender,
        )
    )
    if not earlier:
        return
    note = _("Superseded by import %(file)s.") % {"file": record.file_name}
    for item in earlier:
        item.note, item.resolved_at, item.resolved_by = note, at, by
    bulk_update_with_history(
        earlier,
        Discrepancy,
        ["note", "resolved_at", "resolved_by"],
        batch_size=_BULK_BATCH,
        default_user=by,
        default_date=at,
    )


@transaction.atomic(durable=True)
def resolve_discrepancy(
    *, discrepancy: Discrepancy, note: str, by: User, at: datetime | None = None
) -> Discrepancy:
    """The auditor closes an exception: corrected elsewhere, or explained (长款/短款 and why). The note says
    which; the day cannot be approved while an exception is open."""
    at = now(at)
    item = (
        Discrepancy.objects.select_for_update(of=("self",))
        .select_related("hall", "payment")
        .get(pk=discrepancy.pk)
    )
    require_hall_perm(by, item.hall, PERMISSION)
    hold_open_day(hall=item.hall, day=item.business_day)
    if not item.is_open:
        raise BillingError(_("This exception is already resolved."), code="resolved")
    if item.payment_id is not None and item.payment.rep_id == by.pk:
        raise BillingError(_("Nobody resolves an exception on a payment they took."), code="forbidden")
    note = " ".join((note or "").split())
    if len(note) < MIN_NOTE:
        raise BillingError(
            _("Say what was corrected or why the difference is right (at least %(n)s characters).")
            % {"n": MIN_NOTE},
            code="note",
        )
    item.note, item.resolved_at, item.resolved_by = note[:MAX_NOTE], at, by
    item._history_user = by
    item.save(update_fields=["note", "resolved_at", "resolved_by"])
    return item
