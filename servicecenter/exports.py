"""CSV and XLSX downloads of report tables that open correctly in Excel with Chinese text (spec §8)."""

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from servicecenter.money import ZERO, quantize

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

KINDS = ("text", "id", "money", "int", "date", "percent")
_SUMMABLE = ("money", "int")

# OWASP's list of first characters that make Excel (and LibreOffice, WPS) read a cell as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel refuses a string literal longer than this inside a formula, so a longer id cannot be ="…".
_MAX_FORMULA_STRING = 255
_SHEET_NAME_MAX = 31
_SHEET_NAME_CHARS = str.maketrans({"/": "-", "\\": "-", ":": "-", "[": "(", "]": ")", "*": "_", "?": "_"})
# Widths come from the header and the first rows: the sheet's column widths must be written before its rows.
_WIDTH_SAMPLE_ROWS = 100
_MAX_WIDTH = 60
_PERCENT_STEP = Decimal("0.0001")  # 0.01 %

_FORMATS = {"money": "#,##0.00", "int": "0", "date": "yyyy-mm-dd", "percent": "0.00%", "id": "@"}
_BOLD = Font(bold=True)


@dataclass(frozen=True)
class Column:
    """One column of a table.

    kind: "text"; "id" for long numbers that must stay text (ID card, account, receipt, invoice, payment
    numbers); "money" (Decimal, int or a "123.45" string); "int"; "date" (a date, or an ISO string);
    "percent" (a ratio: Decimal("0.125") is 12.50 %). `total` sums a money or int column into the totals row.
    """

    key: str
    title: str
    kind: str = "text"
    total: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")
        if self.total and self.kind not in _SUMMABLE:
            raise ValueError(f"only money and int columns have a total, not {self.kind!r} ({self.key})")


@dataclass
class Table:
    """A titled table; `rows` (dicts with every column's key) may be a generator and is read once."""

    title: str
    columns: list[Column]
    rows: Iterable[Mapping[str, Any]]
    totals: bool = True

    def __post_init__(self):
        if not self.columns:
            raise ValueError("a table needs at least one column")
        if self.totals and self.columns[0].total:
            raise ValueError("the first column holds the totals row's label, so it cannot have a total")


def csv_response(filename: str, tables: list[Table]) -> HttpResponse:
    """The tables, one after another, as a CSV download; `.csv` is added to the name if missing."""
    # Built in memory rather than streamed: a bad value then fails the request instead of cutting the
    # download short behind a 200, and a month of rows is a few megabytes.
    response = HttpResponse(content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = _attachment(_with_suffix(filename, ".csv"))
    # Without the BOM Excel reads the file as the system's ANSI code page (GBK) and the Chinese is garbled.
    response.write("\ufeff")
    writer = csv.writer(response)  # the excel dialect: CRLF, minimal quoting
    for table in tables:
        writer.writerow([_defuse(table.title)])
        writer.writerow([_defuse(column.title) for column in table.columns])
        sums = _empty_sums(table)
        for values in _typed_rows(table, sums):
            writer.writerow(_csv_row(table.columns, values))
        if table.totals:
            label, *rest = _totals_row(table, sums)
            writer.writerow([_defuse(label), *_csv_row(table.columns[1:], rest)])
        writer.writerow([])
    return response


def write_xlsx(out, tables: list[Table]) -> None:
    """The tables as an Excel workbook, one sheet per table, written to `out` (a path or a binary file)."""
    # Write-only mode streams each sheet to a temporary file instead of holding every cell in memory.
    workbook = Workbook(write_only=True)
    used_names: set[str] = set()
    for table in tables:
        _write_sheet(workbook, _sheet_name(table.title, used_names), table)
    workbook.save(out)


def xlsx_response(filename: str, tables: list[Table]) -> HttpResponse:
    """The tables as an Excel workbook download; `.xlsx` is added to the name if missing."""
    buffer = io.BytesIO()
    write_xlsx(buffer, tables)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _attachment(_with_suffix(filename, ".xlsx"))
    return response


def _write_sheet(workbook: Workbook, name: str, table: Table) -> None:
    sheet = workbook.create_sheet(name)
    sums = _empty_sums(table)
    rows = _typed_rows(table, sums)
    sample = list(itertools.islice(rows, _WIDTH_SAMPLE_ROWS))
    for index, column in enumerate(table.columns):
        width = max(
            [_display_width(column.title), *(_display_width(_shown(column, row[index])) for row in sample)]
        )
        if column.total:
            width += 3  # the sum is wider than the rows it adds up
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(width + 2, _MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.append([_text_cell(sheet, column.title, bold=True) for column in table.columns])
    for values in itertools.chain(sample, rows):
        sheet.append(_xlsx_row(sheet, table.columns, values))
    if table.totals:
        label, *rest = _totals_row(table, sums)
        sheet.append(
            [_text_cell(sheet, label, bold=True), *_xlsx_row(sheet, table.columns[1:], rest, bold=True)]
        )


def _empty_sums(table: Table) -> dict[str, Decimal | int]:
    return {column.key: ZERO if column.kind == "money" else 0 for column in table.columns if column.total}


def _typed_rows(table: Table, sums: dict[str, Decimal | int]) -> Iterator[list[Any]]:
    """Each row's values as their column's type (None for an empty cell), adding to `sums` as it goes."""
    for row in table.rows:
        values = [_typed(column, row[column.key]) for column in table.columns]
        for column, value in zip(table.columns, values, strict=True):
            if column.total and value is not None:
                sums[column.key] += value
        yield values


def _totals_row(table: Table, sums: dict[str, Decimal | int]) -> list[Any]:
    return [_("Total"), *(sums.get(column.key) for column in table.columns[1:])]


def _typed(column: Column, value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, float) and column.kind != "text":
        raise TypeError(f"{column.key}: a float cannot be exported exactly; give a Decimal, int or string")
    if column.kind in ("text", "id"):
        return str(value)
    if column.kind == "money":
        # Round as the cells show: the totals row then adds up to exactly what the reader sees.
        return quantize(value)
    if column.kind == "int":
        return int(value)
    if column.kind == "percent":
        return Decimal(value).quantize(_PERCENT_STEP, rounding=ROUND_HALF_UP)
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _defuse(text: str) -> str:
    """Text Excel would run as a formula, with the apostrophe that makes it plain text (OWASP)."""
    text = str(text)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _shown(column: Column, value: Any) -> str:
    """The value as Excel shows it, for column widths."""
    if value is None:
        return ""
    if column.kind == "money":
        return f"{value:,.2f}"
    if column.kind == "percent":
        return f"{value * 100:.2f}%"
    if column.kind == "date":
        return value.isoformat()
    return str(value)


def _csv_row(columns: list[Column], values: list[Any]) -> list[str]:
    return [_csv_cell(column, value) for column, value in zip(columns, values, strict=True)]


def _csv_cell(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if column.kind == "text":
        return _defuse(value)
    if column.kind == "id":
        # Excel turns a bare 000123 into 123 and an 18-digit ID number into 1.10101E+17; the result of the
        # formula ="000123" is text. servicecenter.csvfiles reads this form back.
        if len(value) <= _MAX_FORMULA_STRING:
            return '="' + value.replace('"', '""') + '"'
        return _defuse(value)
    if column.kind == "money":
        return f"{value:.2f}"
    if column.kind == "percent":
        return f"{value * 100:.2f}%"  # Excel reads "12.50%" as the number 0.125
    if column.kind == "date":
        return value.isoformat()
    return str(value)


def _text_cell(sheet, text: str, *, bold: bool = False) -> Cell:
    text = ILLEGAL_CHARACTERS_RE.sub("", str(text))  # control characters make openpyxl refuse the sheet
    cell = WriteOnlyCell(sheet, value=text)
    # openpyxl would store "=…" as a formula and "#N/A" as an error; a string is a string.
    cell.data_type = "s"
    if text.startswith(_FORMULA_STARTS):
        # What Excel stores for a typed-in '=…: the cell shows the text as is and stays text when edited.
        cell.quotePrefix = True
    if bold:
        cell.font = _BOLD
    return cell


def _xlsx_row(sheet, columns: list[Column], values: list[Any], *, bold: bool = False) -> list[Cell | None]:
    return [
        _xlsx_cell(sheet, column, value, bold=bold) for column, value in zip(columns, values, strict=True)
    ]


def _xlsx_cell(sheet, column: Column, value: Any, *, bold: bool = False) -> Cell | None:
    if value is None:
        return None
    if column.kind in ("text", "id"):
        cell = _text_cell(sheet, value, bold=bold)
    else:
        cell = WriteOnlyCell(sheet, value=value)
        if bold:
            cell.font = _BOLD
    if column.kind in _FORMATS:
        cell.number_format = _FORMATS[column.kind]
    return cell


def _display_width(text: str) -> int:
    # Chinese characters take two columns' width in Excel's default fonts.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _sheet_name(title: str, used: set[str]) -> str:
    """A name Excel accepts (31 characters, none of []:*?/\\, no leading or trailing apostrophe), unique
    in the workbook without regard to case, as Excel compares them."""
    base = ILLEGAL_CHARACTERS_RE.sub("", title.translate(_SHEET_NAME_CHARS)).strip().strip("'").strip()
    if base.lower() == "history":  # Excel reserves it for its change tracking
        base += "_"
    base = base or "Sheet"
    name = base[:_SHEET_NAME_MAX].rstrip("'")
    number = 1
    while name.lower() in used:
        number += 1
        suffix = f" ({number})"
        name = base[: _SHEET_NAME_MAX - len(suffix)].rstrip("'") + suffix
    used.add(name.lower())
    return name


def _with_suffix(filename: str, suffix: str) -> str:
    return filename if filename.lower().endswith(suffix) else filename + suffix


def _attachment(filename: str) -> str:
    """Content-Disposition for a download: the name as is, and for a Chinese name also an ASCII one."""
    if filename.isascii() and filename.isprintable():
        return content_disposition_header(True, filename)
    # Browsers use filename* (RFC 5987, with the Chinese name); filename is for clients that ignore it.
    return f"attachment; filename=\"{_ascii_name(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _ascii_name(filename: str) -> str:
    stem, dot, suffix = filename.rpartition(".")
    if not dot:
        stem, suffix = filename, ""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_stem).strip("._-") or "export"
    return ascii_stem + (f".{suffix}" if dot else "")
