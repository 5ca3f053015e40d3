"""Weekly and monthly revenue reports (spec §4.6): the daily report's figures over a period, per day, per hall
and in total, with the trend against the previous period. A JSON-ready snapshot, like the daily report.

Every figure is a GROUP BY over the period's rows, grouped by hall and business day where a figure has a
daily value, so that a period's figures are, by construction and by test, the sums of its days' — the
daily report's rules (what counts as taken, voided, reversed, cash) are the same ones, applied to more days.
The cost is a constant number of statements, each linear in the period's rows.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from billing.errors import BillingError
from billing.models import (
    Deposit,
    Discrepancy,
    FeeItem,
    HallDay,
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
from billing.reports import _cents, _money, _numbers, _q, _rows, _t
from counter.selectors.businesses import businesses_by_type_between
from counter.selectors.queue import served_by_day
from servicecenter.clock import Period, business_day
from servicecenter.models import Hall, User, Window
from servicecenter.money import ZERO


def parse_period(kind: str, text: str, hall: Hall | Sequence[Hall], *, at: datetime) -> Period:
    """A week ("2026-W47") or a month ("2026-11") as people type it, for `hall` (or halls: a company's) at
    `at`. BillingError (a message for the page or a 400) for text that is not one, and for a period that has
    not begun (in any of the halls)."""
    try:
        period = Period.parse(kind, text)
    except ValueError:
        if kind == Period.WEEK:
            raise BillingError(_("Not a week: write it as 2026-W47.")) from None
        raise BillingError(_("Not a month: write it as 2026-11.")) from None
    halls = [hall] if isinstance(hall, Hall) else hall
    if not halls or period.first > max(business_day(h, at) for h in halls):
        raise BillingError(_("This period has not begun yet: there are no figures for it."), code="future")
    if period.last.year < 2000:
        raise BillingError(_("There are no figures for this period."))
    return period


# Lists that are read, not summed, stop here; their totals are always complete.
LIST_LIMIT = 500


def _where(alias: str, day: str = "business_day") -> str:
    """The rows of the halls and days in `_params` (a hall list spelled out: SQLite has no arrays)."""
    return f"{alias}.hall_id IN (%(halls)s) AND {alias}.{day} BETWEEN %(first)s AND %(last)s"


def _params(halls: list[Hall], first: date, last: date) -> dict:
    return {"halls": [h.pk for h in halls], "first": first, "last": last}


def _select(sql: str, params: dict, **kwargs) -> list[dict]:
    """`_rows` with the hall list bound one value per hall."""
    halls = {f"hall{i}": pk for i, pk in enumerate(params["halls"])}
    sql = sql.replace("%(halls)s", ", ".join(f"%({name})s" for name in halls))
    return _rows(sql, {**{k: v for k, v in params.items() if k != "halls"}, **halls}, **kwargs)


def _name(row: dict, prefix: str = "") -> str:
    name = f"{row[prefix + 'last_name'] or ''}{row[prefix + 'first_name'] or ''}".strip()
    return name or row[prefix + "username"] or ""


@dataclass
class _Day:
    """One hall's figures of one business day (Decimal yuan)."""

    payments: int = 0
    gross: Decimal = ZERO
    voided_count: int = 0
    voided: Decimal = ZERO
    reversal_count: int = 0
    reversed: Decimal = ZERO
    vas_count: int = 0
    vas: Decimal = ZERO
    cash_system: Decimal = ZERO
    cash_takings: Decimal = ZERO
    over_short: Decimal = ZERO
    tenders: dict = field(default_factory=dict)  # tender id -> [count, amount, reversed]

    @property
    def net(self) -> Decimal:
        return self.gross - self.reversed

    def add(self, other: "_Day") -> None:
        for name in (
            "payments",
            "gross",
            "voided_count",
            "voided",
            "reversal_count",
            "reversed",
            "vas_count",
            "vas",
            "cash_system",
            "cash_takings",
            "over_short",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for tender, (count, amount, reversed_) in other.tenders.items():
            mine = self.tenders.setdefault(tender, [0, ZERO, ZERO])
            mine[0] += count
            mine[1] += amount
            mine[2] += reversed_

    def figures(self) -> dict:
        return {
            "payments": self.payments,
            "gross": _money(self.gross),
            "voided_count": self.voided_count,
            "voided": _money(self.voided),
            "reversal_count": self.reversal_count,
            "reversed": _money(self.reversed),
            "net": _money(self.net),
            "vas_count": self.vas_count,
            "vas": _money(self.vas),
            "cash_system": _money(self.cash_system),
            "cash_takings": _money(self.cash_takings),
            "over_short": _money(self.over_short),
        }


def _money_by_day(halls: list[Hall], period: Period, tenders: dict) -> dict[tuple[int, date], _Day]:
    """The money figures per (hall, day): payments, voids, reversals, tenders and VAS (four statements).
    `tenders` collects the tenders met: {id: {name, kind, order}}."""
    params = _params(halls, period.first, period.last)
    days: dict[tuple[int, date], _Day] = defaultdict(_Day)
    for r in _select(
        f"""SELECT p.hall_id, p.business_day, p.status, COUNT(*) AS n, {_cents("p.total")} AS amount
              FROM {_t(Payment)} p WHERE {_where("p")}
             GROUP BY p.hall_id, p.business_day, p.status""",  # noqa: S608
        params,
    ):
        day = days[(r["hall_id"], _day(r["business_day"]))]
        if r["status"] == Payment.Status.VOIDED:
            day.voided_count += r["n"]
            day.voided += r["amount"]
        else:
            day.payments += r["n"]
            day.gross += r["amount"]
    # Tenders as taken (not voided) and as reversed: a reversal takes back its payment's tenders on the day
    # it is posted, as the daily report shows it.
    for r in _select(
        f"""SELECT 'taken' AS what, p.hall_id, p.business_day, t.id AS tender_id, t.name, t.kind,
                   t.{_q("order")} AS position, COUNT(DISTINCT pt.payment_id) AS n,
                   {_cents("pt.amount")} AS amount
              FROM {_t(PaymentTender)} pt JOIN {_t(Payment)} p ON p.id = pt.payment_id
              JOIN {_t(Tender)} t ON t.id = pt.tender_id
             WHERE {_where("p")} AND p.status <> 'voided'
             GROUP BY p.hall_id, p.business_day, t.id, t.name, t.kind, t.{_q("order")}
            UNION ALL
            SELECT 'reversed', r.hall_id, r.business_day, t.id, t.name, t.kind, t.{_q("order")}, 0,
                   {_cents("pt.amount")}
              FROM {_t(Reversal)} r JOIN {_t(PaymentTender)} pt ON pt.payment_id = r.payment_id
              JOIN {_t(Tender)} t ON t.id = pt.tender_id
             WHERE {_where("r")} AND r.state = 'approved'
             GROUP BY r.hall_id, r.business_day, t.id, t.name, t.kind, t.{_q("order")}""",  # noqa: S608
        params,
    ):
        tenders.setdefault(r["tender_id"], {"name": r["name"], "kind": r["kind"], "order": r["position"]})
        day = days[(r["hall_id"], _day(r["business_day"]))]
        leg = day.tenders.setdefault(r["tender_id"], [0, ZERO, ZERO])
        if r["what"] == "taken":
            leg[0] += r["n"]
            leg[1] += r["amount"]
        else:
            leg[2] += r["amount"]
        if r["kind"] == Tender.Kind.CASH and r["what"] == "taken":
            # What the tills took in cash, as the daily report has it: a reversal is not paid from a till.
            day.cash_system += r["amount"]
    for r in _select(
        f"""SELECT r.hall_id, r.business_day, COUNT(*) AS n, {_cents("r.amount")} AS amount
              FROM {_t(Reversal)} r WHERE {_where("r")} AND r.state = 'approved'
             GROUP BY r.hall_id, r.business_day""",  # noqa: S608
        params,
    ):
        day = days[(r["hall_id"], _day(r["business_day"]))]
        day.reversal_count += r["n"]
        day.reversed += r["amount"]
    return days


def _day(value) -> date:
    # SQLite gives dates back as text from hand-written SQL.
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _tender_rows(legs: dict, tenders: dict) -> list[dict]:
    rows = []
    for tender_id in sorted(legs, key=lambda t: (tenders[t]["order"], tenders[t]["name"])):
        count, amount, reversed_ = legs[tender_id]
        rows.append(
            {
                "tender": tenders[tender_id]["name"],
                "kind": tenders[tender_id]["kind"],
                "count": count,
                "amount": _money(amount),
                "reversed": _money(reversed_),
                "net": _money(amount - reversed_),
            }
        )
    return rows


def _change(now: Decimal, before: Decimal) -> dict:
    """A figure against the previous period's: the difference and the percentage (None from nothing)."""
    percent = None if not before else ((now - before) * 100 / before).quantize(Decimal("0.1"))
    return {"previous": _money(before), "change": _money(now - before), "percent": percent and str(percent)}


def _steps() -> list[str]:
    """The report's parts in the order they are read, as its progress names them."""
    return [
        _("Payments and tenders"),
        _("The previous period"),
        _("Fee items and VAS"),
        _("Tills and cash"),
        _("Days, deposits and exceptions"),
        _("Visits"),
        _("Receipts and reversals"),
        _("Reps and windows"),
        _("Business types"),
    ]


def build_period_report(
    halls: list[Hall], period: Period, *, on_progress: Callable[[float, str], None] | None = None
) -> dict:
    """Every figure of `halls` over `period`: per day, per hall and in total, and the trend against the
    previous period. Read-only. Halls are listed in the order given. `on_progress(share done, part done)` is
    called after each part (the worker saves it for a company's report, which takes seconds)."""
    params = _params(halls, period.first, period.last)
    before = period.previous()
    # Items and tills are read over both periods at once: the previous period's VAS and cash for the trend.
    both = _params(halls, before.first, period.last)
    steps = _steps()
    done = iter(range(1, len(steps) + 1))

    def moved() -> None:
        if on_progress is not None:
            n = next(done)
            on_progress(n / len(steps), steps[n - 1])

    tenders: dict[int, dict] = {}
    days = _money_by_day(halls, period, tenders)
    moved()
    previous = _money_by_day(halls, before, tenders)
    moved()

    def day_of(row: dict, name: str = "business_day") -> tuple[_Day, bool]:
        """The row's figures of its hall and day, and whether the day is in the period (else before it)."""
        day = _day(row[name])
        return (days if day >= period.first else previous)[(row["hall_id"], day)], day >= period.first

    # VAS and fee items, per hall and day for VAS (the dashboard charts it), per hall for the items.
    items: dict[int, dict[int, dict]] = defaultdict(dict)
    for r in _select(
        f"""SELECT p.hall_id, p.business_day, f.id AS item_id, f.name, f.kind, f.{_q("order")} AS position,
                   COUNT(DISTINCT l.payment_id) AS payments, COUNT(*) AS n, SUM(l.quantity) AS quantity,
                   {_cents("l.amount")} AS amount
              FROM {_t(PaymentLine)} l JOIN {_t(Payment)} p ON p.id = l.payment_id
              JOIN {_t(FeeItem)} f ON f.id = l.fee_item_id
             WHERE {_where("p")} AND p.status <> 'voided'
             GROUP BY p.hall_id, p.business_day, f.id, f.name, f.kind, f.{_q("order")}""",  # noqa: S608
        both,
    ):
        day, current = day_of(r)
        if r["kind"] == FeeItem.Kind.VAS:
            day.vas_count += r["n"]
            day.vas += r["amount"]
        if not current:
            continue
        item = items[r["hall_id"]].setdefault(
            r["item_id"],
            {"name": r["name"], "kind": r["kind"], "order": r["position"], "count": 0, "quantity": 0},
        )
        item["count"] += r["payments"]
        item["quantity"] += int(r["quantity"] or 0)
        item["amount"] = item.get("amount", ZERO) + r["amount"]
    moved()

    # Tills: cash counted and over/short per day; the tills that were over or short, listed.
    over_short: list[dict] = []
    for r in _select(
        f"""SELECT t.hall_id, t.business_day, t.number, t.explanation, u.username, u.first_name, u.last_name,
                   {_cents("tt.system")} AS system, {_cents("tt.counted")} AS counted,
                   SUM(CASE WHEN tn.kind = 'cash' THEN CAST(ROUND(tt.counted * 100) AS INTEGER) ELSE 0 END)
                       AS cash_counted
              FROM {_t(Till)} t JOIN {_t(User)} u ON u.id = t.rep_id
              JOIN {_t(TillTender)} tt ON tt.till_id = t.id
              JOIN {_t(Tender)} tn ON tn.id = tt.tender_id
             WHERE {_where("t")}
             GROUP BY t.id, t.hall_id, t.business_day, t.number, t.explanation, u.username, u.first_name,
                      u.last_name
             ORDER BY t.business_day, t.number""",  # noqa: S608
        both,
        money=("system", "counted", "cash_counted"),
    ):
        day, current = day_of(r)
        difference = r["counted"] - r["system"]
        day.cash_takings += r["cash_counted"]
        day.over_short += difference
        if current and difference and len(over_short) < LIST_LIMIT:
            over_short.append(
                {
                    "hall": r["hall_id"],
                    "day": _day(r["business_day"]).isoformat(),
                    "till": r["number"],
                    "rep": _name(r),
                    "difference": _money(difference),
                    "explanation": r["explanation"],
                }
            )
    moved()

    # Day states, deposits and exceptions per day.
    states = {
        (r["hall_id"], _day(r["day"])): r["state"]
        for r in _select(
            f"SELECT d.hall_id, d.day, d.state FROM {_t(HallDay)} d WHERE {_where('d', 'day')}",  # noqa: S608
            params,
        )
    }
    deposits = {
        (r["hall_id"], _day(r["day"])): r
        for r in _select(
            f"""SELECT d.hall_id, d.day, {_cents("d.amount", each=None)} AS amount, d.bank, d.slip_number,
                       {_cents("d.cash_takings", each=None)} AS cash_takings, d.explanation
                  FROM {_t(Deposit)} d WHERE {_where("d", "day")}""",  # noqa: S608
            params,
            money=("amount", "cash_takings"),
        )
    }
    exceptions = {
        (r["hall_id"], _day(r["business_day"])): r
        for r in _select(
            f"""SELECT d.hall_id, d.business_day, COUNT(*) AS n,
                       SUM(CASE WHEN d.resolved_at IS NULL THEN 1 ELSE 0 END) AS open
                  FROM {_t(Discrepancy)} d WHERE {_where("d")} GROUP BY d.hall_id, d.business_day""",  # noqa: S608
            params,
        )
    }
    moved()
    visits = served_by_day(halls, first=period.first, last=period.last)
    moved()

    # Receipts used and voided per book, and the period's reversals, listed.
    receipt_books = [
        {
            "hall": r["hall_id"],
            "used": _numbers(r, r["first"], r["last"]),
            "range": _numbers(r, r["book__first_number"], r["book__last_number"]),
            "issued": r["issued"],
            "voided": r["voided"],
        }
        for r in _select(
            f"""SELECT r.hall_id, b.prefix AS book__prefix, b.digits AS book__digits,
                       b.first_number AS book__first_number, b.last_number AS book__last_number,
                       MIN(r.sequence) AS first, MAX(r.sequence) AS last,
                       SUM(CASE WHEN r.status = 'issued' THEN 1 ELSE 0 END) AS issued,
                       SUM(CASE WHEN r.status = 'voided' THEN 1 ELSE 0 END) AS voided
                  FROM {_t(Receipt)} r JOIN {_t(ReceiptBook)} b ON b.id = r.book_id
                 WHERE {_where("r")}
                 GROUP BY r.hall_id, b.id, b.prefix, b.digits, b.first_number, b.last_number
                 ORDER BY r.hall_id, b.prefix, b.first_number""",  # noqa: S608
            params,
        )
    ]
    reversals = [
        {
            "hall": r["hall_id"],
            "day": _day(r["business_day"]).isoformat(),
            "payment": r["number"],
            "payment_day": _day(r["payment_day"]).isoformat(),
            "amount": _money(r["amount"]),
            "reason": r["reason"],
            "requested_by": _name(r, "rq_"),
            "approved_by": _name(r, "dc_"),
        }
        for r in _select(
            f"""SELECT r.hall_id, r.business_day, p.number, p.business_day AS payment_day, r.reason,
                       {_cents("r.amount", each=None)} AS amount,
                       rq.username AS rq_username, rq.first_name AS rq_first_name,
                       rq.last_name AS rq_last_name, dc.username AS dc_username,
                       dc.first_name AS dc_first_name, dc.last_name AS dc_last_name
                  FROM {_t(Reversal)} r JOIN {_t(Payment)} p ON p.id = r.payment_id
                  JOIN {_t(User)} rq ON rq.id = r.requested_by_id
                  LEFT JOIN {_t(User)} dc ON dc.id = r.decided_by_id
                 WHERE {_where("r")} AND r.state = 'approved'
                 ORDER BY r.business_day, r.decided_at LIMIT {LIST_LIMIT}""",  # noqa: S608
            params,
        )
    ]
    moved()

    # By rep and by window (what was taken, not voided).
    by_rep: dict[tuple[int, int], dict] = {}
    by_window: dict[tuple[int, object], dict] = {}
    for r in _select(
        f"""SELECT p.hall_id, p.rep_id, u.username, u.first_name, u.last_name, u.staff_number,
                   w.number AS window, COUNT(*) AS n, {_cents("p.total")} AS amount
              FROM {_t(Payment)} p JOIN {_t(User)} u ON u.id = p.rep_id
              LEFT JOIN {_t(Window)} w ON w.id = p.window_id
             WHERE {_where("p")} AND p.status <> 'voided'
             GROUP BY p.hall_id, p.rep_id, u.username, u.first_name, u.last_name, u.staff_number, w.number""",  # noqa: S608
        params,
    ):
        rep = by_rep.setdefault(
            (r["hall_id"], r["rep_id"]),
            {
                "hall": r["hall_id"],
                "rep": _name(r),
                "staff_number": r["staff_number"] or "",
                "count": 0,
                "amount": ZERO,
            },
        )
        rep["count"] += r["n"]
        rep["amount"] += r["amount"]
        window = by_window.setdefault(
            (r["hall_id"], r["window"]),
            {"hall": r["hall_id"], "window": r["window"], "count": 0, "amount": ZERO},
        )
        window["count"] += r["n"]
        window["amount"] += r["amount"]
    moved()
    business_types = businesses_by_type_between(halls, first=period.first, last=period.last)
    moved()

    # Assemble: per hall (its days, totals, trend and the rest, side by side in a company's report), then
    # the whole.
    total, total_before = _Day(), _Day()
    hall_reports = []
    day_rows = []
    calendar = period.days
    hall_days = [(hall.pk, day) for hall in halls for day in calendar]
    day_states = [states.get(key) for key in hall_days]
    for hall in halls:
        hall_total, hall_before = _Day(), _Day()
        for day in calendar:
            figures = days.get((hall.pk, day), _Day())
            hall_total.add(figures)
            state = states.get((hall.pk, day))
            deposit = deposits.get((hall.pk, day))
            exception = exceptions.get((hall.pk, day)) or {"n": 0, "open": 0}
            visit = visits.get((hall.pk, day)) or {}
            day_rows.append(
                {
                    "hall": hall.pk,
                    "day": day.isoformat(),
                    "state": state or "",
                    **figures.figures(),
                    "deposit": _money(deposit["amount"]) if deposit else "",
                    "exceptions": exception["n"],
                    "open_exceptions": int(exception["open"] or 0),
                    "visits": visit.get("issued", 0),
                    "served": visit.get("served", 0),
                }
            )
        for (hall_id, _unused), figures in previous.items():
            if hall_id == hall.pk:
                hall_before.add(figures)
        total.add(hall_total)
        total_before.add(hall_before)
        hall_states = [
            state for (hall_id, _d), state in zip(hall_days, day_states, strict=True) if hall_id == hall.pk
        ]
        hall_exceptions = [e for (hall_id, _d), e in exceptions.items() if hall_id == hall.pk]
        hall_reports.append(
            {
                "id": hall.pk,
                "name": hall.name,
                **hall_total.figures(),
                "deposited": _money(
                    sum((d["amount"] for (h, _d), d in deposits.items() if h == hall.pk), ZERO)
                ),
                "by_tender": _tender_rows(hall_total.tenders, tenders),
                "by_item": _item_rows(items.get(hall.pk, {}).items()),
                "by_business_type": _type_rows(business_types.get(hall.pk, [])),
                "visits": _visit_totals(v for (h, _d), v in visits.items() if h == hall.pk),
                "exceptions": sum(e["n"] for e in hall_exceptions),
                "open_exceptions": sum(int(e["open"] or 0) for e in hall_exceptions),
                "open_days": sum(1 for s in hall_states if s is not None and s != HallDay.State.LOCKED),
                "locked_days": sum(1 for s in hall_states if s == HallDay.State.LOCKED),
                "trend": _trend(hall_total, hall_before),
            }
        )
    return {
        "kind": period.kind,
        "period": period.key,
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
        "previous": period.previous().key,
        "halls": hall_reports,
        **total.figures(),
        "deposited": _money(sum((d["amount"] for d in deposits.values()), ZERO)),
        "trend": _trend(total, total_before),
        "days": day_rows,
        # Days with business that are not locked yet (a statement of the period says so, or waits).
        "open_days": [
            {"hall": hall_id, "day": day.isoformat(), "state": state}
            for (hall_id, day), state in zip(hall_days, day_states, strict=True)
            if state is not None and state != HallDay.State.LOCKED
        ],
        "locked_days": sum(1 for state in day_states if state == HallDay.State.LOCKED),
        "by_tender": _tender_rows(total.tenders, tenders),
        "by_item": _item_rows(pair for hall_items in items.values() for pair in hall_items.items()),
        "by_business_type": _type_rows(row for rows in business_types.values() for row in rows),
        "by_rep": [
            {**rep, "amount": _money(rep["amount"])}
            for rep in sorted(by_rep.values(), key=lambda r: (r["hall"], r["staff_number"], r["rep"]))
        ],
        "by_window": [
            {**window, "amount": _money(window["amount"])}
            for window in sorted(
                by_window.values(), key=lambda w: (w["hall"], w["window"] is None, w["window"] or 0)
            )
        ],
        "receipt_books": receipt_books,
        "over_short_tills": over_short,
        "reversals": reversals,
        "deposits": [
            {
                "hall": hall_id,
                "day": day.isoformat(),
                "amount": _money(d["amount"]),
                "cash_takings": _money(d["cash_takings"]),
                "difference": _money(d["amount"] - d["cash_takings"]),
                "bank": d["bank"],
                "slip_number": d["slip_number"],
                "explanation": d["explanation"],
            }
            for (hall_id, day), d in sorted(deposits.items(), key=lambda item: (item[0][1], item[0][0]))
        ],
        "exceptions": sum(e["n"] for e in exceptions.values()),
        "open_exceptions": sum(int(e["open"] or 0) for e in exceptions.values()),
        "visits": _visit_totals(visits.values()),
    }


def _item_rows(items: Iterable[tuple[int, dict]]) -> list[dict]:
    """Fee items as (id, figures) — one hall's, or several halls' merged by item — in the price list's
    order."""
    merged: dict[int, dict] = {}
    for item_id, item in items:
        row = merged.setdefault(
            item_id,
            {"order": item["order"], "item": item["name"], "kind": item["kind"], "count": 0, "quantity": 0},
        )
        row["count"] += item["count"]
        row["quantity"] += item["quantity"]
        row["amount"] = row.get("amount", ZERO) + item["amount"]
    rows = sorted(merged.values(), key=lambda r: (r["order"], r["item"]))
    return [
        {key: _money(value) if key == "amount" else value for key, value in row.items() if key != "order"}
        for row in rows
    ]


def _type_rows(rows: Iterable[dict]) -> list[dict]:
    """Businesses by type (each hall's, or several halls' merged by type), the most frequent first."""
    merged: dict[str, dict] = {}
    for row in rows:
        total = merged.setdefault(row["code"], {**row, "count": 0, "completed": 0})
        total["count"] += row["count"]
        total["completed"] += row["completed"]
    return sorted(merged.values(), key=lambda r: (-r["count"], r["code"]))


def _visit_totals(visits: Iterable[dict]) -> dict:
    """Tickets, served, no-shows and the average wait and service (seconds) over some hall-days."""
    totals = {"issued": 0, "served": 0, "no_show": 0, "called": 0, "wait_seconds": 0, "service_seconds": 0}
    for visit in visits:
        for key in totals:
            totals[key] += visit[key]
    totals["avg_wait"] = totals["wait_seconds"] // totals["called"] if totals["called"] else None
    totals["avg_service"] = totals["service_seconds"] // totals["served"] if totals["served"] else None
    return totals


def _trend(now: _Day, before: _Day) -> dict:
    return {
        "payments": {"previous": before.payments, "change": now.payments - before.payments},
        "gross": _change(now.gross, before.gross),
        "net": _change(now.net, before.net),
        "vas": _change(now.vas, before.vas),
        "cash_takings": _change(now.cash_takings, before.cash_takings),
    }
