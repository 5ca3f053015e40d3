"""The revenue reports as CSV and XLSX files (spec §8): each of a report's tables, closed by a 合计 row."""

from django.utils.translation import gettext as _

from billing import company
from servicecenter.clock import Period
from servicecenter.exports import Column, Table, csv_response, xlsx_response
from servicecenter.models import Hall


def _money(key: str, title: str, total: bool = True) -> Column:
    return Column(key, title, kind="money", total=total)


def _count(key: str, title: str, total: bool = True) -> Column:
    return Column(key, title, kind="int", total=total)


def report_tables(report: dict, *, daily: bool = False) -> list[Table]:
    """The tables of a daily or a period report snapshot (billing.reports / billing.periods)."""
    tables = []
    if not daily:
        tables.append(
            Table(
                _("By day"),
                [
                    Column("day", _("Business day"), kind="date"),
                    Column("state_label", _("State")),
                    _count("payments", _("Payments")),
                    _money("gross", _("Takings")),
                    _money("voided", _("Voided")),
                    _money("reversed", _("Reversals")),
                    _money("net", _("Net")),
                    _money("vas", _("VAS")),
                    _money("cash_system", _("Cash by the system")),
                    _money("cash_takings", _("Cash takings")),
                    _money("deposit", _("Deposited")),
                    _money("over_short", _("Over / short")),
                    _count("visits", _("Visits")),
                ],
                [d for d in report["days"] if d["state"] or d["payments"] or d["visits"]],
            )
        )
    tables += [
        Table(
            _("By tender"),
            [
                Column("tender", _("Tender")),
                _count("count", _("Payments")),
                _money("amount", _("Amount")),
                _money("reversed", _("Reversals")),
                _money("net", _("Net")),
            ],
            report["by_tender"],
        ),
        Table(
            _("By fee item"),
            [
                Column("item", _("Item")),
                Column("kind", _("Kind")),
                _count("count", _("Payments")),
                _count("quantity", _("Qty")),
                _money("amount", _("Amount")),
            ],
            report["by_item"],
        ),
        Table(
            _("By rep"),
            [
                Column("rep", _("Rep")),
                Column("staff_number", _("Staff number"), kind="id"),
                _count("count", _("Payments")),
                _money("amount", _("Amount")),
            ],
            report["by_rep"],
        ),
        Table(
            _("By window"),
            [
                Column("window", _("Window"), kind="int"),
                _count("count", _("Payments")),
                _money("amount", _("Amount")),
            ],
            report["by_window"],
        ),
        Table(
            _("By business type"),
            [
                Column("name", _("Business type")),
                _count("count", _("Businesses")),
                _count("completed", _("Completed")),
            ],
            report["by_business_type"],
        ),
        Table(
            _("Receipts used"),
            [
                Column("used", _("Numbers used"), kind="id"),
                Column("range", _("Book"), kind="id"),
                _count("issued", _("Issued")),
                _count("voided", _("Voided")),
            ],
            report["receipt_books"],
        ),
        _reversals(report["reversals"], daily=daily),
    ]
    if daily:
        tables.append(
            Table(
                _("Tills"),
                [
                    Column("number", _("Till"), kind="id"),
                    Column("rep", _("Rep")),
                    _money("float", _("Float")),
                    _money("system", _("System")),
                    _money("receipts", _("Receipts")),
                    _money("counted", _("Money")),
                    _money("difference", _("Over / short")),
                    Column("explanation", _("Explanation")),
                ],
                report["tills"],
            )
        )
    else:
        tables += [
            _over_short(report["over_short_tills"]),
            Table(
                _("Bank deposits"),
                [
                    Column("day", _("Business day"), kind="date"),
                    _money("cash_takings", _("Cash takings")),
                    _money("amount", _("Deposited")),
                    _money("difference", _("Difference")),
                    Column("bank", _("Bank")),
                    Column("slip_number", _("Slip number"), kind="id"),
                    Column("explanation", _("Explanation")),
                ],
                report["deposits"],
            ),
        ]
    return tables


def _hall_column(names: dict | None) -> list[Column]:
    return [] if names is None else [Column("hall_name", _("Hall"))]


def _with_hall(rows: list[dict], names: dict | None) -> list[dict]:
    return rows if names is None else [{**row, "hall_name": names.get(row["hall"], "")} for row in rows]


def _reversals(rows: list[dict], *, daily: bool = False, halls: dict | None = None) -> Table:
    """The reversals posted (a period's, or with `halls` {id: name} a company's, each with its hall)."""
    return Table(
        _("Reversals"),
        [
            *_hall_column(halls),
            *([] if daily else [Column("day", _("Posted on"), kind="date")]),
            Column("payment", _("Payment"), kind="id"),
            Column("payment_day", _("Of the day"), kind="date"),
            _money("amount", _("Amount")),
            Column("reason", _("Reason")),
            Column("requested_by", _("Requested by")),
            Column("approved_by", _("Approved by")),
        ],
        _with_hall(rows, halls),
    )


def _over_short(rows: list[dict], *, halls: dict | None = None) -> Table:
    """The tills that were over or short (a period's, or with `halls` a company's, each with its hall)."""
    return Table(
        _("Tills over or short"),
        [
            *_hall_column(halls),
            Column("day", _("Business day"), kind="date"),
            Column("till", _("Till"), kind="id"),
            Column("rep", _("Rep")),
            _money("difference", _("Over / short")),
            Column("explanation", _("Explanation")),
        ],
        _with_hall(rows, halls),
    )


def period_export(hall: Hall, period: Period, report: dict, fmt: str):
    kind = _("weekly report") if period.kind == Period.WEEK else _("monthly report")
    name = f"{hall.name}-{kind}-{period.key}.{fmt}"
    tables = report_tables(report)
    return csv_response(name, tables) if fmt == "csv" else xlsx_response(name, tables)


def daily_export(hall: Hall, report: dict, fmt: str):
    kind = _("daily report")
    name = f"{hall.name}-{kind}-{report['day']}.{fmt}"
    tables = report_tables(report, daily=True)
    return csv_response(name, tables) if fmt == "csv" else xlsx_response(name, tables)


def company_tables(data: dict) -> list[Table]:
    """A company's period report (billing.company): its halls side by side, the company in the totals row or
    the last column."""
    halls = data["halls"]
    names = {hall["id"]: hall["name"] for hall in halls}
    hall_rows = [
        {
            **hall,
            "net_change": hall["trend"]["net"]["change"],
            "visits": hall["visits"]["issued"],
            "served": hall["visits"]["served"],
        }
        for hall in halls
    ]
    tables = [
        Table(
            _("Halls"),
            [
                Column("name", _("Hall")),
                _count("payments", _("Payments")),
                _money("gross", _("Takings")),
                _money("voided", _("Voided")),
                _money("reversed", _("Reversals")),
                _money("net", _("Net")),
                _money("net_change", _("Net against the previous period")),
                _money("vas", _("VAS")),
                _money("cash_takings", _("Cash takings")),
                _money("deposited", _("Deposited")),
                _money("over_short", _("Over / short")),
                _count("visits", _("Visits")),
                _count("served", _("Served")),
                _count("exceptions", _("Reconciliation exceptions")),
                _count("locked_days", _("Days locked")),
                _count("open_days", _("Days not locked")),
            ],
            hall_rows,
        )
    ]

    def across(title: str, first: Column, lines, kind: str) -> Table:
        columns = [first, *(Column(f"h{h['id']}", h["name"], kind=kind, total=True) for h in halls)]
        columns.append(Column("total", _("Company"), kind=kind, total=True))
        rows = [
            {
                first.key: line.day or line.label,
                **{f"h{h['id']}": value for h, value in zip(halls, line.cells, strict=True)},
                "total": line.total,
            }
            for line in lines
        ]
        return Table(title, columns, rows)

    tables += [
        across(_("Net by day"), Column("day", _("Business day"), kind="date"), company.by_day(data), "money"),
        across(_("By tender"), Column("tender", _("Tender")), company.by_tender(data), "money"),
        across(_("By fee item"), Column("item", _("Item")), company.by_item(data), "money"),
        across(
            _("By business type"), Column("name", _("Business type")), company.by_business_type(data), "int"
        ),
        _over_short(data["over_short_tills"], halls=names),
        _reversals(data["reversals"], halls=names),
    ]
    return tables


def company_export(company_name: str, period: Period, data: dict, fmt: str):
    kind = _("weekly report") if period.kind == Period.WEEK else _("monthly report")
    name = f"{company_name}-{kind}-{period.key}.{fmt}"
    tables = company_tables(data)
    return csv_response(name, tables) if fmt == "csv" else xlsx_response(name, tables)
