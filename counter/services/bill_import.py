"""Importing bills from the billing system's CSV export: all rows or none, each file once, bad rows by line.

The export is what Chinese billing systems and Excel really write: UTF-8 with or without a BOM, or
GB18030/GBK; CRLF or LF; Excel's quoting; Chinese column names in any order, extra columns ignored
(read by the kernel's `servicecenter.csvfiles`). A line number is the row as Excel shows it (line 1 is
the header).

An import never changes what is already there: a bill already recorded with the same period and amount
is skipped, one recorded differently is an error; a known account and its holder are left as they are.
Unknown accounts are opened from the row, their holder matched by resident ID number within the company.
"""

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history

from counter.errors import CounterError
from counter.models import Bill, BillImport, Customer, GasAccount
from counter.validators import normalize_id_number, normalize_phone, validate_id_number, validate_phone
from servicecenter import csvfiles
from servicecenter.models import Company, User
from servicecenter.money import format_cny

# The export's column names (as the billing system writes them) and what each holds.
ACCOUNT, NAME, ID_NUMBER, PHONE, ADDRESS = "户号", "户名", "证件号码", "联系电话", "用气地址"
METER_TYPE, BILL, PERIOD, AMOUNT, DUE_ON = "表类型", "账单号", "账期", "金额", "缴费截止日"
COLUMNS = (ACCOUNT, NAME, ID_NUMBER, PHONE, ADDRESS, METER_TYPE, BILL, PERIOD, AMOUNT, DUE_ON)
# Without these a file cannot be imported; the others may be absent (their cells are then empty).
REQUIRED_COLUMNS = (ACCOUNT, NAME, ADDRESS, METER_TYPE, BILL, PERIOD, AMOUNT)

METER_TYPES = {
    "ic卡": GasAccount.MeterType.IC_CARD,
    "ic卡表": GasAccount.MeterType.IC_CARD,
    "ic_card": GasAccount.MeterType.IC_CARD,
    "普通表": GasAccount.MeterType.POSTPAID,
    "普通": GasAccount.MeterType.POSTPAID,
    "postpaid": GasAccount.MeterType.POSTPAID,
}

MAX_AMOUNT = Decimal("10000000")
MAX_REPORTED_ERRORS = csvfiles.MAX_REPORTED_PROBLEMS
_IN_BATCH = 900  # values per IN (...) list: under SQLite's historical 999-parameter limit
_BULK_BATCH = 1000

_PERIOD = re.compile(r"^(\d{4})[-/]?(\d{1,2})$")
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")


class ImportRejected(CounterError):
    """The file was refused: `errors` lists (line, message) for the first MAX_REPORTED_ERRORS problems,
    `total` counts them all. Nothing was imported."""

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
    account: str
    name: str
    id_number: str
    phone: str
    address: str
    meter_type: str
    bill: str
    period: str
    amount: Decimal
    due_on: date | None


class _Errors(csvfiles.Problems):
    """Problems by line, keeping the first few in full and counting the rest."""

    def rejected(self) -> ImportRejected:
        return ImportRejected(self.items, total=self.total)


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 (with or without BOM) if it is that, else GB18030."""
    try:
        return csvfiles.decode(data)
    except csvfiles.UnreadableFile as exc:
        raise CounterError(exc.message, code=exc.code) from None


_cell = csvfiles.cell


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) for each CSV record; the line is the record's row number, as Excel shows it."""
    try:
        yield from csvfiles.records(text)
    except csvfiles.UnreadableLine as exc:
        raise ImportRejected([(exc.line, exc.message)]) from None


def _header(cells: list[str]) -> dict[str, int]:
    """Column name -> position; a missing required column or a repeated one refuses the file."""
    positions, problems = csvfiles.read_header(cells, {name: (name,) for name in COLUMNS}, REQUIRED_COLUMNS)
    if problems:
        raise ImportRejected([(1, message) for message in problems])
    return positions


def _amount(value: str) -> tuple[Decimal | None, str]:
    amount = csvfiles.amount(value)
    if amount is None:
        return None, _("Column %(column)s: “%(value)s” is not an amount.")
    if amount <= 0:
        return None, _("Column %(column)s: the amount must be more than zero.")
    if amount != amount.quantize(Decimal("0.01")):
        return None, _("Column %(column)s: “%(value)s” has more than 2 decimal places.")
    if amount >= MAX_AMOUNT:
        return None, _("Column %(column)s: the amount must be below ¥10,000,000.")
    return amount.quantize(Decimal("0.01")), ""


def _period(value: str) -> str | None:
    match = _PERIOD.match(value)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2099 and 1 <= month <= 12):
        return None
    return f"{year:04d}-{month:02d}"


def _date(value: str) -> date | None:
    match = _DATE.match(value)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _parse_row(line: int, cells: list[str], positions: dict[str, int], errors: _Errors) -> _Row | None:
    """One data row, checked cell by cell; every problem is reported, the row is None if there was any."""
    values = {name: _cell(cells[index]) if index < len(cells) else "" for name, index in positions.items()}
    found = errors.total

    def problem(message: str, column: str, **extra) -> None:
        errors.add(line, message % {"column": column, "value": values.get(column, ""), **extra})

    def text(column: str, max_length: int, *, required: bool) -> str:
        value = values.get(column, "")
        if required and not value:
            problem(_("Column %(column)s is empty."), column)
        elif len(value) > max_length:
            problem(
                _("Column %(column)s: “%(value)s” is longer than %(max)s characters."), column, max=max_length
            )
        return value

    account = text(ACCOUNT, 20, required=True)
    name = text(NAME, 100, required=False)
    address = text(ADDRESS, 200, required=False)
    bill = text(BILL, 40, required=True)

    id_number = normalize_id_number(values.get(ID_NUMBER, ""))
    if id_number:
        try:
            validate_id_number(id_number)
        except ValidationError as exc:
            problem(_("Column %(column)s: %(reason)s"), ID_NUMBER, reason=" ".join(exc.messages))
    phone = normalize_phone(values.get(PHONE, ""))
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            problem(_("Column %(column)s: %(reason)s"), PHONE, reason=" ".join(exc.messages))

    meter_value = values.get(METER_TYPE, "")
    meter_type = METER_TYPES.get(meter_value.lower(), "") if meter_value else ""
    if meter_value and not meter_type:
        problem(_("Column %(column)s: “%(value)s” is not a meter type (IC卡 or 普通表)."), METER_TYPE)

    period = ""
    if not values[PERIOD]:
        problem(_("Column %(column)s is empty."), PERIOD)
    else:
        period = _period(values[PERIOD]) or ""
        if not period:
            problem(_("Column %(column)s: “%(value)s” is not a month (write 2026-10 or 202610)."), PERIOD)

    amount = None
    if not values[AMOUNT]:
        problem(_("Column %(column)s is empty."), AMOUNT)
    else:
        amount, message = _amount(values[AMOUNT])
        if message:
            problem(message, AMOUNT)

    due_on = None
    if values.get(DUE_ON):
        due_on = _date(values[DUE_ON])
        if due_on is None:
            problem(
                _("Column %(column)s: “%(value)s” is not a date (write 2026-10-31 or 2026/10/31)."), DUE_ON
            )

    if errors.total > found:
        return None
    return _Row(line, account, name, id_number, phone, address, meter_type, bill, period, amount, due_on)


def _batches(values: Iterable, size: int = _IN_BATCH) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


@transaction.atomic(durable=True)
def import_bills(
    *, company: Company, data: bytes, file_name: str, by: User | None, at: datetime
) -> BillImport:
    """Import one export file for the company: every row or none. Raises ImportRejected (with the problems
    by line) for a bad file, CounterError for one imported before; nothing is changed then."""
    # One import at a time per company: the same file, or two files opening the same account, cannot race.
    company = Company.objects.select_for_update().get(pk=company.pk)
    sha256 = hashlib.sha256(data).hexdigest()
    earlier = BillImport.objects.filter(company=company, sha256=sha256).select_related("imported_by").first()
    if earlier is not None:
        who = earlier.imported_by.display_name if earlier.imported_by else _("someone unknown")
        raise CounterError(
            _(
                "This file was already imported on %(date)s by %(user)s (as %(file)s); "
                "nothing has been changed."
            )
            % {
                "date": timezone.localtime(earlier.imported_at).strftime("%Y-%m-%d %H:%M"),
                "user": who,
                "file": earlier.file_name,
            },
            code="already_imported",
        )

    text, encoding = decode(data)
    records = _records(text)
    header = next(records, None)
    if header is None or not any(cell.strip() for cell in header[1]):
        raise ImportRejected([(1, _("The file is empty: the first line must be the header."))])
    positions = _header(header[1])

    errors = _Errors()
    rows: list[_Row] = []
    data_rows = 0
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, and Excel's rows of empty cells
        data_rows += 1
        if len(cells) > len(header[1]):
            errors.add(
                line,
                _("This line has %(found)s cells but the header has %(expected)s: is a comma unquoted?")
                % {"found": len(cells), "expected": len(header[1])},
            )
            continue
        row = _parse_row(line, cells, positions, errors)
        if row is not None:
            rows.append(row)
    if not data_rows:
        raise ImportRejected([(1, _("The file has a header but no bills."))])

    accounts = _known_accounts(company, {row.account for row in rows})
    existing = _existing_bills(accounts, rows)

    seen: dict[tuple[str, str], int] = {}
    opening: dict[str, _Row] = {}  # account number -> the row that opens it
    new_bills: list[_Row] = []
    for row in rows:
        key = (row.account, row.bill)
        if key in seen:
            errors.add(
                row.line,
                _("Bill %(bill)s of account %(account)s is also on line %(line)s.")
                % {"bill": row.bill, "account": row.account, "line": seen[key]},
            )
            continue
        seen[key] = row.line
        account = accounts.get(row.account)
        if account is not None:
            bill = existing.get((account.pk, row.bill))
            if bill is not None:
                if bill.period == row.period and bill.amount == row.amount:
                    continue  # already recorded: counted as rows - bills_created
                if bill.status == Bill.Status.PAID:
                    message = _(
                        "Bill %(bill)s of account %(account)s is already paid (%(period)s, %(amount)s); "
                        "an import never changes a paid bill."
                    )
                else:
                    message = _(
                        "Bill %(bill)s of account %(account)s is already recorded as %(period)s, %(amount)s; "
                        "this line says %(new_period)s, %(new_amount)s. An import never changes a bill."
                    )
                errors.add(
                    row.line,
                    message
                    % {
                        "bill": row.bill,
                        "account": row.account,
                        "period": bill.period,
                        "amount": format_cny(bill.amount),
                        "new_period": row.period,
                        "new_amount": format_cny(row.amount),
                    },
                )
                continue
            if account.is_closed:
                errors.add(
                    row.line,
                    _("Account %(account)s is closed: it takes no new bills.") % {"account": row.account},
                )
                continue
        elif row.account not in opening:
            missing = [
                column
                for column, value in ((NAME, row.name), (ADDRESS, row.address), (METER_TYPE, row.meter_type))
                if not value
            ]
            if missing:
                errors.add(
                    row.line,
                    _("Account %(account)s is not known yet; to open it, the line needs: %(columns)s.")
                    % {"account": row.account, "columns": "、".join(missing)},
                )
                continue
            opening[row.account] = row
        new_bills.append(row)
    if errors:
        raise errors.rejected()

    opened = _open_accounts(company, list(opening.values()), by=by, at=at)
    accounts.update(opened)
    record = BillImport.objects.create(
        company=company,
        file_name=(file_name or "")[:200],
        sha256=sha256,
        encoding=encoding,
        rows=data_rows,
        bills_created=len(new_bills),
        accounts_created=len(opened),
        imported_at=at,
        imported_by=by if by is not None and by.pk else None,
    )
    bulk_create_with_history(
        [
            Bill(
                account=accounts[row.account],
                number=row.bill,
                period=row.period,
                amount=row.amount,
                due_on=row.due_on,
                source=record,
            )
            for row in new_bills
        ],
        Bill,
        batch_size=_BULK_BATCH,
        default_user=record.imported_by,
        default_date=at,
    )
    return record


def _known_accounts(company: Company, numbers: set[str]) -> dict[str, GasAccount]:
    found: dict[str, GasAccount] = {}
    for batch in _batches(sorted(numbers)):
        found.update(
            (account.number, account)
            for account in GasAccount.objects.filter(company=company, number__in=batch)
        )
    return found


def _existing_bills(accounts: dict[str, GasAccount], rows: list[_Row]) -> dict[tuple[int, str], Bill]:
    """The bills of this file already recorded, by (account id, bill number)."""
    wanted: dict[int, set[str]] = {}
    for row in rows:
        account = accounts.get(row.account)
        if account is not None:
            wanted.setdefault(account.pk, set()).add(row.bill)
    found: dict[tuple[int, str], Bill] = {}
    for batch in _batches(sorted(wanted)):
        numbers = set().union(*(wanted[pk] for pk in batch))
        bills = Bill.objects.filter(account_id__in=batch, number__in=numbers).only(
            "account_id", "number", "period", "amount", "status"
        )
        found.update(
            ((bill.account_id, bill.number), bill) for bill in bills if bill.number in wanted[bill.account_id]
        )
    return found


def _open_accounts(
    company: Company, rows: list[_Row], *, by: User | None, at: datetime
) -> dict[str, GasAccount]:
    """Open the file's unknown accounts, each from its first row; holders are matched by ID number."""
    if not rows:
        return {}
    user = by if by is not None and by.pk else None
    id_numbers = {row.id_number for row in rows if row.id_number}
    holders: dict[str, Customer] = {}
    for batch in _batches(sorted(id_numbers)):
        holders.update(
            (customer.id_number, customer)
            for customer in Customer.objects.filter(company=company, id_number__in=batch)
        )
    new_customers: list[Customer] = []
    holder_of: dict[str, Customer] = {}
    for row in rows:
        customer = holders.get(row.id_number) if row.id_number else None
        if customer is None:
            customer = Customer(company=company, name=row.name, id_number=row.id_number, phone=row.phone)
            new_customers.append(customer)
            if row.id_number:
                holders[row.id_number] = customer
        holder_of[row.account] = customer
    bulk_create_with_history(
        new_customers, Customer, batch_size=_BULK_BATCH, default_user=user, default_date=at
    )
    accounts = [
        GasAccount(
            company=company,
            number=row.account,
            holder=holder_of[row.account],
            address=row.address,
            meter_type=row.meter_type,
        )
        for row in rows
    ]
    created = bulk_create_with_history(
        accounts, GasAccount, batch_size=_BULK_BATCH, default_user=user, default_date=at
    )
    return {account.number: account for account in created}


def import_summary(record: BillImport) -> str:
    """What an import did, in one sentence (for the page's message and the command's output)."""
    return _(
        "Imported %(file)s — rows: %(rows)s, bills created: %(bills)s, already recorded: %(skipped)s, "
        "accounts opened: %(accounts)s."
    ) % {
        "file": record.file_name,
        "rows": record.rows,
        "bills": record.bills_created,
        "skipped": record.rows - record.bills_created,
        "accounts": record.accounts_created,
    }
