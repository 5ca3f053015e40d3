"""A company's period report laid out side by side (spec §1: the manager sees every hall): a column per hall
and one for the company, for the page and the exports alike. Reads a built snapshot only (its `data`, as
`billing.periods.build_period_report` gives it for the company's halls)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from servicecenter.money import ZERO


@dataclass
class Line:
    """One row: a label, its value in each hall (in the halls' order) and for the company."""

    label: str
    cells: list
    total: object
    kind: str = "money"  # money, int, percent (text such as "12.5" or None), duration (seconds or None)
    key: str = ""  # what it is, for tests and scripts (data-figure)
    day: str = ""  # the business day of a day's row
    extra: dict = field(default_factory=dict)
    pairs: list = field(default_factory=list)  # set by a page: (hall, value, …) for its template


def _money(value) -> Decimal:
    return Decimal(value or "0")


def figures(data: dict) -> list[Line]:
    """The period's figures of each hall and of the company."""
    halls = data["halls"]

    def line(label, key, kind="money", get=None):
        get = get or (lambda report: report[key])
        return Line(label, [get(h) for h in halls], get(data), kind=kind, key=key)

    def visits(name):
        return lambda report: report["visits"][name]

    def open_days(report):  # the company's are listed day by day; a hall's are counted
        return report["open_days"] if isinstance(report["open_days"], int) else len(report["open_days"])

    return [
        line(_("Payments"), "payments", "int"),
        line(_("Takings"), "gross"),
        line(_("Voided"), "voided"),
        line(_("Reversals"), "reversed"),
        line(_("Net"), "net"),
        line(_("Net against the previous period"), "net_change", get=lambda r: r["trend"]["net"]["change"]),
        line(_("Change (%)"), "net_percent", "percent", get=lambda r: r["trend"]["net"]["percent"]),
        line(_("VAS"), "vas"),
        line(_("Cash takings"), "cash_takings"),
        line(_("Deposited"), "deposited"),
        line(_("Over / short"), "over_short"),
        line(_("Visits"), "visits", "int", get=visits("issued")),
        line(_("Served"), "served", "int", get=visits("served")),
        line(_("Average wait"), "avg_wait", "duration", get=visits("avg_wait")),
        line(_("Reconciliation exceptions"), "exceptions", "int"),
        line(_("Days locked"), "locked_days", "int"),
        line(_("Days not locked"), "open_days", "int", get=open_days),
    ]


def by_day(data: dict) -> list[Line]:
    """Each business day's net per hall and for the company; days without business anywhere left out."""
    hall_ids = [h["id"] for h in data["halls"]]
    rows: dict[str, dict[int, dict]] = {}
    for row in data["days"]:
        rows.setdefault(row["day"], {})[row["hall"]] = row
    lines = []
    for day, by_hall in rows.items():
        if not any(r["state"] or r["payments"] or r["visits"] for r in by_hall.values()):
            continue
        # A hall without business that day has nothing to show (nor a daily report to open).
        cells = [
            r if (r := by_hall.get(pk)) and (r["state"] or r["payments"] or r["visits"]) else None
            for pk in hall_ids
        ]
        total = sum((_money(c["net"]) for c in cells if c), ZERO)
        lines.append(
            Line(
                day,
                [c["net"] if c else None for c in cells],
                f"{total:.2f}",
                key="net",
                day=day,
                extra={"states": [c["state"] if c else "" for c in cells]},
            )
        )
    return lines


def _across(data: dict, table: str, name: str, value: str, kind: str = "money") -> list[Line]:
    """A table of each hall's (tenders, items, business types) side by side: one line per name met in
    any hall, in the company's order."""
    names = [row[name] for row in data[table]]
    per_hall = [{row[name]: row[value] for row in hall[table]} for hall in data["halls"]]
    totals = {row[name]: row[value] for row in data[table]}
    return [
        Line(label, [cells.get(label) for cells in per_hall], totals[label], kind=kind, key=value)
        for label in names
    ]


def by_tender(data: dict) -> list[Line]:
    return _across(data, "by_tender", "tender", "net")


def by_item(data: dict) -> list[Line]:
    return _across(data, "by_item", "item", "amount")


def by_business_type(data: dict) -> list[Line]:
    return _across(data, "by_business_type", "name", "count", "int")
