"""Weekly and monthly reports: a period's figures are the sums of its days' reports (reversals and voids
included), the trend compares with the previous period, and the pages and exports are scoped."""

import csv
import io
import random
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from billing.models import DailyReport, HallDay, Payment, Tender
from billing.periods import build_period_report
from billing.services import days, payments, tills
from servicecenter import services
from servicecenter.clock import Period
from servicecenter.roles import Role
from servicecenter.scoping import forget_access
from tests.billing.conftest import SHANGHAI

# A past month, whatever today is: its days are made, counted, approved and locked through the services.
MONTH = Period.of(Period.MONTH, date(2026, 9, 1))
DAYS = [date(2026, 9, 7), date(2026, 9, 8), date(2026, 9, 9), date(2026, 9, 10)]
BEFORE = date(2026, 8, 31)  # the previous month, for the trend


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def make_day(
    billing_hall,
    auditor,
    supervisor,
    make_member,
    open_till_for,
    tender,
    fee,
    make_account,
    close_hall,
    root_user,
):
    """make_day(day, payments=…, lock=True, short=False, seed=…, hall=…) -> the payments of a hall-day of two
    reps, with random amounts, items and tenders; counted (¥10 short when asked), verified, approved and
    locked. In another hall of the company the same auditor and supervisor work too, with reps of its own."""
    staff: dict[int, list] = {}

    def reps_of(hall):
        if hall.pk not in staff:
            staff[hall.pk] = [
                make_member(
                    Role.REP, hall, username=f"rep-{hall.pk}-{n}", last_name="李", first_name=f"{n}号"
                )
                for n in (1, 2)
            ]
            if hall != billing_hall:
                for user, role in ((auditor, Role.AUDITOR), (supervisor, Role.SUPERVISOR)):
                    services.grant_role(user=user, role=role, hall=hall, company=hall.company, by=root_user)
                forget_access(auditor)
                forget_access(supervisor)
        return staff[hall.pk]

    reps = reps_of(billing_hall)
    account = make_account(billing_hall, "88000001")

    def make(
        day: date,
        *,
        count: int = 6,
        lock: bool = True,
        short: bool = False,
        seed: int = 1,
        void: bool = False,
        hall=None,
    ):
        hall = hall or billing_hall
        reps = reps_of(hall)
        rng = random.Random(seed)
        made = []
        for rep in reps:
            till = open_till_for(rep, opening_float="100.00", at=at(day, 8), hall=hall)
            sums: dict[int, Decimal] = {}
            for n in range(count):
                kind = rng.choice(["cash", "cash", "wechat", "alipay", "card"])
                item = rng.choice(["installation", "alarm"])
                amount = (
                    Decimal(rng.randint(100, 5000)) / 10 if item == "installation" else None
                )  # countable in jiao
                payment = payments.record_payment(
                    till=till,
                    lines=[payments.LineInput(fee_item=fee(item), amount=amount)],
                    tenders=[
                        payments.TenderInput(
                            tender=tender(kind),
                            reference=f"R{uuid.uuid4().hex[:20]}" if kind != "cash" else "",
                        )
                    ],
                    idempotency_key=uuid.uuid4().hex,
                    by=rep,
                    account=account if item == "installation" else None,
                    at=at(day, 9) + timedelta(minutes=n),
                )
                made.append(payment)
                sums[tender(kind).pk] = sums.get(tender(kind).pk, Decimal("0")) + payment.total
            if void and rep is reps[0]:
                voided = made[-1]
                payments.request_void(payment=voided, reason="客户取消", by=rep, at=at(day, 11))
                payments.decide_void(payment=voided, approve=True, by=supervisor, at=at(day, 11))
                sums[voided.tenders.get().tender_id] -= voided.total
            cash_tender = tender("cash").pk
            cash = Decimal("100.00") + sums.pop(cash_tender, Decimal("0"))
            if short and rep is reps[1]:
                cash -= 10
            jiao = int(cash * 10)
            tills.close_till(
                till=till,
                by=rep,
                denominations={"1.00": jiao // 10, "0.10": jiao % 10},
                settlements={k: str(v) for k, v in sums.items()},
                explanation="找零差错，已登记" if short and rep is reps[1] else "",
                at=at(day, 18),
            )
            tills.hand_in_till(till=till, by=rep, at=at(day, 18))
            tills.verify_till(till=till, by=auditor, at=at(day, 19))
        if lock:
            close_hall(at=at(day, 21), hall=hall)
            days.approve_day(hall=hall, day=day, by=supervisor, at=at(day, 22))
            takings = Decimal(DailyReport.objects.get(hall=hall, day=day).data["cash_takings"])
            days.record_deposit(
                hall=hall,
                day=day,
                amount=takings,
                bank="工商银行",
                slip_number=f"S{day:%m%d}",
                by=supervisor,
                at=at(day, 23),
            )
        return made

    make.reps = reps
    return make


@pytest.fixture
def month(billing_hall, make_day, auditor, supervisor, make_member):
    """Four days of September (one with a void, one ¥10 short), a reversal of a first-day payment posted on
    the last day, which stays open; and a day of August before them."""
    make_day(BEFORE, seed=9, count=3)
    first = make_day(DAYS[0], seed=1)
    make_day(DAYS[1], seed=2, void=True)
    make_day(DAYS[2], seed=3, short=True)
    make_day(DAYS[3], seed=4, lock=False)
    other = make_member(Role.SUPERVISOR, billing_hall, username="sup-2")
    reversed_payment = first[0]
    reversal = days.request_reversal(
        payment=reversed_payment, reason="重复收费", by=auditor, at=at(DAYS[3], 12)
    )
    days.decide_reversal(reversal=reversal, approve=True, by=other, at=at(DAYS[3], 12))
    for day in DAYS:
        if HallDay.objects.get(hall=billing_hall, day=day).state == HallDay.State.OPEN:
            days.generate_daily_report(hall=billing_hall, day=day, at=at(day, 23))
    return reversed_payment


def _daily(billing_hall) -> list[dict]:
    return [DailyReport.objects.get(hall=billing_hall, day=day).data for day in DAYS]


def _sum(reports, key) -> Decimal:
    return sum((Decimal(r[key]) for r in reports), Decimal("0"))


def _by(rows, name, key="amount") -> dict:
    out: dict = {}
    for row in rows:
        out[row[name]] = out.get(row[name], Decimal("0")) + Decimal(row[key])
    return out


def _sum_by(reports, table, name, key="amount") -> dict:
    out: dict = {}
    for report in reports:
        for k, v in _by(report[table], name, key).items():
            out[k] = out.get(k, Decimal("0")) + v
    return out


def test_a_month_equals_the_sum_of_its_days(billing_hall, month):
    daily = _daily(billing_hall)
    report = build_period_report([billing_hall], MONTH)
    for key in ("gross", "voided", "reversed", "net", "cash_system", "cash_takings"):
        assert Decimal(report[key]) == _sum(daily, key), key
    assert report["payments"] == sum(r["payments"] for r in daily)
    assert report["voided_count"] == sum(r["voided_count"] for r in daily) == 1
    assert report["reversal_count"] == sum(r["reversal_count"] for r in daily) == 1
    assert Decimal(report["vas"]) == sum((Decimal(r["vas"]["amount"]) for r in daily), Decimal("0"))
    for key in ("amount", "reversed", "net"):
        assert _by(report["by_tender"], "tender", key) == _sum_by(daily, "by_tender", "tender", key)
    assert _by(report["by_item"], "item") == _sum_by(daily, "by_item", "item")
    assert _by(report["by_rep"], "rep") == _sum_by(daily, "by_rep", "rep")
    assert _by(report["receipt_books"], "range", "issued") == _sum_by(
        daily, "receipt_books", "range", "issued"
    )
    assert _by(report["receipt_books"], "range", "voided") == _sum_by(
        daily, "receipt_books", "range", "voided"
    )
    # Each day's row is that day's report.
    rows = {row["day"]: row for row in report["days"]}
    for day, data in zip(DAYS, daily, strict=True):
        assert rows[day.isoformat()]["net"] == data["net"]
        assert rows[day.isoformat()]["cash_takings"] == data["cash_takings"]
    assert Decimal(report["over_short"]) == Decimal("-10.00")
    assert [t["difference"] for t in report["over_short_tills"]] == ["-10.00"]


def test_the_reversal_is_in_the_month_it_was_posted_in_and_its_payment_stays(billing_hall, month):
    report = build_period_report([billing_hall], MONTH)
    [reversal] = report["reversals"]
    assert reversal["payment"] == month.number and reversal["day"] == DAYS[3].isoformat()
    assert reversal["payment_day"] == DAYS[0].isoformat()
    assert Decimal(report["net"]) == Decimal(report["gross"]) - month.total
    assert Payment.objects.get(pk=month.pk).status == Payment.Status.COMPLETED


def test_a_week_and_the_month_agree_on_the_days_they_share(billing_hall, month):
    week = build_period_report([billing_hall], Period.of(Period.WEEK, DAYS[0]))  # 7–13 September
    report = build_period_report([billing_hall], MONTH)
    assert week["net"] == report["net"] and week["by_tender"] == report["by_tender"]


def test_open_days_are_named_and_locked_days_counted(billing_hall, month):
    report = build_period_report([billing_hall], MONTH)
    assert report["open_days"] == [{"hall": billing_hall.pk, "day": DAYS[3].isoformat(), "state": "open"}]
    assert report["locked_days"] == 3


def test_the_trend_compares_with_the_previous_month(billing_hall, month):
    report = build_period_report([billing_hall], MONTH)
    august = build_period_report([billing_hall], MONTH.previous())
    trend = report["trend"]
    assert trend["net"]["previous"] == august["net"]
    assert Decimal(trend["net"]["change"]) == Decimal(report["net"]) - Decimal(august["net"])
    assert trend["payments"]["previous"] == august["payments"] > 0
    assert trend["vas"]["previous"] == august["vas"]
    assert trend["cash_takings"]["previous"] == august["cash_takings"]
    expected = (Decimal(trend["net"]["change"]) * 100 / Decimal(august["net"])).quantize(Decimal("0.1"))
    assert trend["net"]["percent"] == str(expected)


def test_a_hall_sees_only_its_own_figures(billing_hall, other_hall, month):
    assert build_period_report([other_hall], MONTH)["payments"] == 0


# --- Pages and exports --------------------------------------------------------------------------------


def _url(hall, kind="month", tail=""):
    return f"/halls/{hall.pk}/money/{kind}/{tail}"


def test_the_monthly_page_shows_the_month_and_links_each_day(billing_hall, month, supervisor, login, client):
    login(supervisor)
    page = client.get(_url(billing_hall), {"period": MONTH.key})
    assert page.status_code == 200
    html = page.content.decode()
    report = build_period_report([billing_hall], MONTH)
    assert "2026年9月" in html
    assert f"/halls/{billing_hall.pk}/money/day/?day={DAYS[1].isoformat()}" in html
    assert 'data-testid="open-days"' in html  # the open last day is named
    net = f"¥{Decimal(report['net']):,.2f}"
    assert net in html


def test_period_pages_keep_their_query_count_whatever_the_data(
    billing_hall, make_day, supervisor, login, client, django_assert_max_num_queries
):
    make_day(DAYS[0], count=2)
    login(supervisor)
    with django_assert_max_num_queries(25):
        assert client.get(_url(billing_hall), {"period": MONTH.key}).status_code == 200
    make_day(DAYS[1], count=12, seed=5, void=True)
    make_day(DAYS[2], count=12, seed=6)
    login(supervisor)
    with django_assert_max_num_queries(25):
        assert client.get(_url(billing_hall), {"period": MONTH.key}).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(_url(billing_hall, "week"), {"period": "2026-W37"}).status_code == 200


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("month", "2099-01", "has not begun"),
        ("week", "2099-W02", "has not begun"),
        ("month", "2026-13", "Not a month"),
        ("week", "next week", "Not a week"),
    ],
)
def test_a_future_or_malformed_period_is_refused_with_a_message(
    billing_hall, supervisor, login, client, kind, text, message, settings
):
    login(supervisor)
    client.cookies["django_language"] = "en"
    for tail in ("", "export.csv", "export.xlsx"):
        page = client.get(_url(billing_hall, kind, tail), {"period": text})
        assert page.status_code == 400
        assert message in page.content.decode()


@pytest.mark.parametrize(("role", "status"), [(Role.REP, 403), (Role.GREETER, 403), (Role.DUTY_MANAGER, 403)])
def test_roles_without_money_reading_cannot_open_the_reports(
    billing_hall, make_member, login, client, role, status
):
    login(make_member(role, billing_hall, username=f"u-{role}"))
    for tail in ("", "export.csv", "export.xlsx"):
        assert client.get(_url(billing_hall, "month", tail)).status_code == status


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SUPERVISOR, Role.FINANCE_AUDITOR, Role.MANAGER])
def test_money_readers_open_the_reports(billing_hall, make_member, login, client, role):
    login(make_member(role, billing_hall, username=f"u-{role}"))
    for kind in ("week", "month"):
        assert client.get(_url(billing_hall, kind)).status_code == 200


def test_another_halls_report_is_not_found(billing_hall, other_hall, supervisor, login, client):
    login(supervisor)
    for tail in ("", "export.csv", "export.xlsx"):
        assert client.get(_url(other_hall, "month", tail)).status_code == 404


def test_the_csv_export_closes_each_table_with_its_total(billing_hall, month, supervisor, login, client):
    login(supervisor)
    client.cookies["django_language"] = "en"
    response = client.get(_url(billing_hall, "month", "export.csv"), {"period": MONTH.key})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    report = build_period_report([billing_hall], MONTH)
    # The tender table: its 合计 row has the month's takings by tender.
    start = next(i for i, row in enumerate(rows) if row and row[0] == "By tender")
    header = rows[start + 1]
    totals = next(row for row in rows[start + 2 :] if row and row[0] == "Total")
    assert Decimal(totals[header.index("Net")]) == Decimal(report["net"])
    # Receipt numbers stay text for Excel.
    assert any(cell.startswith('="') for row in rows for cell in row)


def test_the_xlsx_export_has_numbers_for_amounts_and_a_total_row(
    billing_hall, month, supervisor, login, client
):
    login(supervisor)
    # In Chinese, as the hall reads it: the totals row is 合计.
    response = client.get(_url(billing_hall, "month", "export.xlsx"), {"period": MONTH.key})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book[book.sheetnames[0]]  # by day
    rows = list(sheet.iter_rows(values_only=True))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert total[0] == "合计"
    net = header.index("净额")
    assert sum(Decimal(str(row[net])) for row in body) == Decimal(str(total[net]))
    report = build_period_report([billing_hall], MONTH)
    assert Decimal(str(total[net])).quantize(Decimal("0.01")) == Decimal(report["net"])
    assert len(body) == len(DAYS)  # the four days with business (August is another month)


def test_the_daily_report_exports_too(billing_hall, month, supervisor, login, client):
    login(supervisor)
    client.cookies["django_language"] = "en"
    response = client.get(
        f"/halls/{billing_hall.pk}/money/day/export.xlsx",
        {"day": DAYS[0].isoformat()},
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert "By tender" in book.sheetnames


def test_tenders_are_named_as_configured(billing_hall, month):
    names = {t.name for t in Tender.objects.filter(company=billing_hall.company)}
    report = build_period_report([billing_hall], MONTH)
    assert {row["tender"] for row in report["by_tender"]} <= names
