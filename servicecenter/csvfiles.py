"""Reading the CSV files Chinese business systems and Excel really write (spec §8): every file import uses it.

UTF-8 with or without a BOM, or GB18030/GBK; CRLF or LF; Excel's quoting and its tricks to keep long numbers
text; comma- or tab-separated; the header's column names in any order. A line number is the row as Excel
shows it (line 1 is the header). What a row means, and the error type an app raises, is the app's business:
this module only reads, and says what it could not read.
"""

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from servicecenter.errors import DomainError

# Enough to see what is wrong with a file; a file with more bad lines is the wrong file.
MAX_REPORTED_PROBLEMS = 100

_AMOUNT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_EXCEL_TEXT = re.compile(r'^="(.*)"$')
_UNIT_SUFFIX = re.compile(r"\s*[（(]元[)）]$")


class UnreadableFile(DomainError):
    """The bytes are not CSV text at all (a workbook, UTF-16, another encoding)."""


class UnreadableLine(DomainError):
    """A record the CSV reader cannot parse (an unclosed quote, …); `line` says where."""

    def __init__(self, message, *, line: int):
        super().__init__(message, code="invalid")
        self.line = line


class Problems:
    """Problems by line, keeping the first MAX_REPORTED_PROBLEMS in full and counting the rest."""

    def __init__(self) -> None:
        self.kept: list[tuple[int, str]] = []
        self.total = 0

    def add(self, line: int, message: str) -> None:
        self.total += 1
        if len(self.kept) < MAX_REPORTED_PROBLEMS:
            self.kept.append((line, message))

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def items(self) -> list[tuple[int, str]]:
        return sorted(self.kept, key=lambda item: item[0])


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 (with or without BOM) if it is that, else GB18030."""
    if b"\x00" in data:
        # UTF-16 text and Excel workbooks (.xlsx, .xls) contain NUL bytes; CSV text never does.
        raise UnreadableFile(
            _(
                "This is not a CSV text file. In Excel, save the sheet as “CSV UTF-8” or “CSV” "
                "and upload that."
            ),
            code="invalid",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise UnreadableFile(
            _("The file is neither UTF-8 nor GB18030 (GBK) text; save it as CSV again."), code="invalid"
        ) from None


def cell(value: str) -> str:
    """A cell as the writing system meant it: without the tricks used to keep Excel from turning long
    numbers into numbers (a leading tab, apostrophe or backquote — WeChat Pay's bills use the last —,
    ="…"), and without surrounding spaces."""
    value = value.strip()
    match = _EXCEL_TEXT.match(value)
    if match:
        value = match.group(1).strip()
    if value[:1] in ("'", "`"):
        value = value[1:].strip()
    return value


def records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) for each CSV record; the line is the record's row number, as Excel shows it.
    Raises UnreadableLine where the CSV reader gives up."""
    first_line = text.split("\n", 1)[0]
    # Some systems write tab-separated text and still call it .csv; Excel reads both.
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    while True:
        line += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UnreadableLine(
                _("This line cannot be read as CSV (%(reason)s).") % {"reason": exc}, line=line
            ) from None
        yield line, cells


def is_blank(cells: Sequence[str]) -> bool:
    """Blank lines, and Excel's rows of empty cells."""
    return not any(value.strip() for value in cells)


def read_header(
    cells: Sequence[str], columns: Mapping[str, Sequence[str]], required: Sequence[str]
) -> tuple[dict[str, int], list[str]]:
    """The header's positions, by column key, and the problems that refuse it (for line 1).

    `columns` maps each key to the names the column goes by, preferred first: the first of them present in
    the header is read; a unit after the name is ignored (Alipay writes 订单金额（元）). Names not listed are
    other columns, not ours to read. A name given twice, or a required key with none of its names present,
    is a problem.
    """
    known = {name for names in columns.values() for name in names}
    found: dict[str, int] = {}
    problems: list[str] = []
    for index, raw in enumerate(cells):
        name = _UNIT_SUFFIX.sub("", raw.strip().lstrip("\ufeff").strip())
        if name not in known:
            continue
        if name in found:
            problems.append(_("The column %(column)s appears twice.") % {"column": name})
        found[name] = index
    positions: dict[str, int] = {}
    for key, names in columns.items():
        present = next((name for name in names if name in found), None)
        if present is not None:
            positions[key] = found[present]
    missing = [key for key in required if key not in positions]
    if missing:

        def named(key: str) -> str:
            return "/".join(columns[key])

        problems.append(
            _("Missing column(s): %(columns)s. The header must name %(required)s.")
            % {
                "columns": "、".join(named(k) for k in missing),
                "required": "、".join(named(k) for k in required),
            }
        )
    return positions, problems


def amount(value: str) -> Decimal | None:
    """An amount cell read as a number: with or without ¥/￥, thousands commas and a sign; None if it is
    not a number. Whether the number is a fitting amount (sign, decimals, size) is the caller's rule."""
    value = value.replace("¥", "").replace("￥", "").strip()
    if _GROUPED.match(value):
        value = value.replace(",", "")
    if not _AMOUNT.match(value) or len(value) > 20:  # no real amount has more digits; quantizing would fail
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
