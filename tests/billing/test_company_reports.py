"""The company's report for its managers: every hall's own figures side by side and the company's their sum,
built by the worker and kept; asked for again only while it can still change; refused for a period not
begun; the pages, exports and API reached by the company's managers only."""
# ruff: noqa: F811 — fixtures imported from test_periods are taken as arguments

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import timezone
from openpyxl import load_workbook

from billing.errors import BillingError
from billing.models import CompanyReport, DailyReport, Payment
from billing.periods import build_period_report
from billing.services import company_reports
from counter.defaults import install_hall_defaults
from servicecenter.clock import Period, business_day
from servicecenter.roles import Role
from tests.billing.test_periods import DAYS, MONTH, at, make_day, month  # noqa: F401 — shared fixtures
from tests.factories import HallFactory

AFTER = at(date(2026, 10, 2), 12)  # early in the next month: September has ended
OTHER_DAYS = [date(2026, 9, 14), date(2026, 9, 15)]


@pytest.fixture
def manager(make_member, billing_hall):
    return make_member(Role.MANAGER, billing_hall, username="manager", last_name="周", first_name="总")


@pytest.fixture
def second_hall(billing_hall, make_day):
    """The company's other hall: two locked days of September with a void and a till ¥10 short."""
    hall = HallFactory(company=billing_hall.company, name="城西客服中心")
    install_hall_defaults(hall)
    make_day(OTHER_DAYS[0], hall=hall, seed=21, void=True)
    make_day(OTHER_DAYS[1], hall=hall, seed=22, short=True)
    return hall


@pytest.fixture
def company(billing_hall, second_hall, month):
    """Both halls' September: the first with a reversal and an open last day (the `month` fixture)."""
    return billing_hall.company


def committed():
    """The build is queued once the request commits: run what was queued, in-process, when the block ends."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def _build(company, by, period=MONTH, at=AFTER) -> CompanyReport:
    """Asked for and built by the worker's service, both at `at`."""
    with TestCase.captureOnCommitCallbacks(execute=False):
        report, _created = company_reports.request_company_report(
            company=company, period=period, by=by, at=at
        )
    return company_reports.build_company_report(report_id=report.pk, at=at) or report


FIGURES = ("payments", "gross", "voided", "reversed", "net", "vas", "cash_takings", "over_short", "deposited")


def test_each_hall_has_its_own_figures_and_the_company_their_sum(billing_hall, second_hall, company, manager):
    report = _build(company, manager)
    assert report.state == CompanyReport.State.DONE and report.progress == 100
    data = report.data
    assert [h["name"] for h in data["halls"]] == sorted([billing_hall.name, second_hall.name])
    by_id = {h["id"]: h for h in data["halls"]}
    for hall in (billing_hall, second_hall):
        alone = build_period_report([hall], MONTH)
        mine = by_id[hall.pk]
        for key in FIGURES:
            assert mine[key] == alone[key], (hall.name, key)
        assert mine["by_tender"] == alone["by_tender"]
        assert mine["by_item"] == alone["by_item"]
        assert mine["trend"] == alone["trend"]
        assert mine["visits"] == alone["visits"]
        assert mine["locked_days"] == alone["locked_days"]
        assert mine["open_days"] == len(alone["open_days"])
    for key in FIGURES:
        total = sum(Decimal(str(h[key])) for h in data["halls"])
        assert Decimal(str(data[key])) == total, key
    # The company's month is the sum of every hall's days, the reversal (posted on an open day) included.
    daily = DailyReport.objects.filter(day__gte=MONTH.first, day__lte=MONTH.last)
    assert daily.count() == len(DAYS) + len(OTHER_DAYS)
    assert Decimal(data["net"]) == sum((Decimal(d.data["net"]) for d in daily), Decimal("0"))
    assert Decimal(data["over_short"]) == Decimal("-20.00")  # each hall's till ¥10 short
    assert report.net == Decimal(data["net"])
    september = Payment.objects.filter(business_day__gte=MONTH.first, business_day__lte=MONTH.last)
    assert report.payments == september.exclude(status=Payment.Status.VOIDED).count()
    assert not report.final  # the first hall's last day is still open
    assert data["open_days"] == [{"hall": billing_hall.pk, "day": DAYS[3].isoformat(), "state": "open"}]


def test_the_report_is_read_part_by_part_with_its_progress(billing_hall, month):
    seen = []
    build_period_report([billing_hall], MONTH, on_progress=lambda share, step: seen.append((share, step)))
    shares = [share for share, _step in seen]
    assert shares == sorted(shares) and shares[-1] == 1 and len(seen) >= 5
    assert all(step for _share, step in seen)


def test_asking_again_while_it_waits_gives_the_same_build(
    company, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first, created = company_reports.request_company_report(
            company=company, period=MONTH, by=manager, at=AFTER
        )
    assert created and first.state == CompanyReport.State.QUEUED
    again, created = company_reports.request_company_report(
        company=company, period=MONTH, by=manager, at=AFTER
    )
    assert again.pk == first.pk and not created


def test_building_twice_builds_once_and_a_dead_workers_build_is_taken_over(
    company, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        report, _created = company_reports.request_company_report(
            company=company, period=MONTH, by=manager, at=AFTER
        )
    CompanyReport.objects.filter(pk=report.pk).update(state=CompanyReport.State.RUNNING, started_at=AFTER)
    assert company_reports.build_company_report(report_id=report.pk, at=AFTER + timedelta(minutes=5)) is None
    later = AFTER + timedelta(minutes=31)
    built = company_reports.build_company_report(report_id=report.pk, at=later)
    assert built.state == CompanyReport.State.DONE and built.data["payments"] > 0
    assert company_reports.build_company_report(report_id=report.pk, at=later) is None


def test_a_report_that_may_still_change_is_built_anew_and_a_final_one_is_not(
    billing_hall, make_day, manager, second_hall
):
    make_day(DAYS[0], seed=1)  # every day of both halls locked: the month, once over, cannot change
    company = billing_hall.company
    during = _build(company, manager, at=at(OTHER_DAYS[1], 23))
    assert not during.final  # the month had not ended
    final = _build(company, manager)
    assert final.pk != during.pk and final.final
    again, created = company_reports.request_company_report(
        company=company, period=MONTH, by=manager, at=AFTER
    )
    assert again.pk == final.pk and not created
    assert CompanyReport.objects.count() == 2


def test_a_failure_is_recorded_with_its_message(company, manager, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("数据库连接中断")

    monkeypatch.setattr(company_reports, "build_period_report", broken)
    report = _build(company, manager)
    assert report.state == CompanyReport.State.FAILED and "数据库连接中断" in report.error
    assert report.data is None


def test_a_period_not_begun_is_refused_and_nothing_is_made(company, manager):
    with pytest.raises(BillingError, match="not begun"):
        _build(company, manager, period=Period.of(Period.MONTH, date(2099, 1, 1)))
    assert not CompanyReport.objects.exists()


def test_only_the_companys_view_may_ask_for_it(company, make_member, billing_hall):
    supervisor = make_member(Role.SUPERVISOR, billing_hall, username="a-supervisor")
    with pytest.raises(BillingError, match="role"):
        _build(company, supervisor)
    assert not CompanyReport.objects.exists()


def test_the_nightly_build_asks_for_each_companys_week_and_month(company, manager):
    made = company_reports.request_nightly_reports(at=at(DAYS[3], 23) + timedelta(hours=6))
    assert {(r.kind, r.first) for r in made} == {
        ("week", Period.of(Period.WEEK, DAYS[3]).first),
        ("month", MONTH.first),
    }
    assert all(r.requested_by is None for r in made)


def test_the_morning_build_is_on_the_workers_schedule(company, django_capture_on_commit_callbacks):
    from servicecenter.celery import app

    app.loader.import_default_modules()
    assert all(entry["task"] in app.tasks for entry in app.conf.beat_schedule.values())
    task = app.tasks[app.conf.beat_schedule["build-company-reports"]["task"]]
    with django_capture_on_commit_callbacks(execute=True):
        made = task.apply().get()
    built = CompanyReport.objects.filter(pk__in=made, state=CompanyReport.State.DONE)
    assert sorted(built.values_list("kind", flat=True)) == ["month", "week"]


# --- Pages, exports and the API -----------------------------------------------------------------------


def _url(hall, kind="month", tail=""):
    return f"/halls/{hall.pk}/money/company/{kind}/{tail}"


def test_the_manager_builds_it_and_sees_the_halls_side_by_side(
    billing_hall, second_hall, company, month, manager, login, client
):
    login(manager)
    page = client.get(_url(billing_hall), {"period": MONTH.key})
    assert page.status_code == 200 and 'data-testid="not-built"' in page.content.decode()
    with committed():
        response = client.post(_url(billing_hall, tail="build/"), {"period": MONTH.key})
    assert response.status_code == 302 and response["Location"].endswith(f"?period={MONTH.key}")
    html = client.get(response["Location"]).content.decode()
    report = CompanyReport.objects.get()
    assert 'data-testid="halls-side-by-side"' in html
    for hall in (billing_hall, second_hall):
        assert hall.name in html
        assert f"/halls/{hall.pk}/money/month/?period={MONTH.key}" in html  # each figure opens its hall
    assert f"/halls/{second_hall.pk}/money/day/?day={OTHER_DAYS[0].isoformat()}" in html
    assert f"¥{report.net:,.2f}" in html
    assert 'data-testid="open-days"' in html
    # The tills short (one in each hall) and the reversal, each under its hall.
    tills = html.split('data-testid="over-short"')[1].split("</table>")[0]
    assert tills.count("-¥10.00") == 2
    assert billing_hall.name in tills and second_hall.name in tills
    reversals = html.split('data-testid="reversals"')[1].split("</table>")[0]
    assert month.number in reversals and billing_hall.name in reversals


def test_the_page_opens_on_the_periods_the_worker_built_this_morning(billing_hall, manager, login, client):
    login(manager)
    ended = business_day(billing_hall, timezone.now()) - timedelta(days=1)  # the day that ended
    for kind in ("week", "month"):
        page = client.get(_url(billing_hall, kind))
        assert page.status_code == 200 and page.context["period"] == Period.of(kind, ended)


def test_the_page_keeps_its_query_count_whatever_the_data(
    billing_hall, make_day, manager, login, client, django_assert_max_num_queries, second_hall
):
    company = billing_hall.company
    _build(company, manager)
    login(manager)
    with django_assert_max_num_queries(25):
        assert client.get(_url(billing_hall), {"period": MONTH.key}).status_code == 200
    for n, day in enumerate(DAYS):
        make_day(day, count=10, seed=40 + n, void=True)
    _build(company, manager)
    with django_assert_max_num_queries(25):
        assert client.get(_url(billing_hall), {"period": MONTH.key}).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(_url(billing_hall, "week"), {"period": "2026-W37"}).status_code == 200


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("month", "2099-01", "has not begun"),
        ("week", "2099-W02", "has not begun"),
        ("month", "2026-13", "month"),
    ],
)
def test_a_bad_period_is_a_message_and_nothing_is_built(
    billing_hall, manager, login, client, kind, text, message
):
    login(manager)
    client.cookies["django_language"] = "en"
    for tail in ("", "export.csv", "export.xlsx"):
        page = client.get(_url(billing_hall, kind, tail), {"period": text})
        assert page.status_code == 400 and message in page.content.decode()
    page = client.post(_url(billing_hall, kind, "build/"), {"period": text}, follow=True)
    assert message in page.content.decode()
    response = client.post(
        f"/api/v1/companies/{billing_hall.company_id}/reports/",
        {"kind": kind, "period": text},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not CompanyReport.objects.exists()


@pytest.mark.parametrize(
    "role", [Role.REP, Role.GREETER, Role.DUTY_MANAGER, Role.AUDITOR, Role.SUPERVISOR, Role.FINANCE_AUDITOR]
)
def test_hall_roles_do_not_reach_the_company_report(
    company, billing_hall, manager, make_member, login, client, role
):
    report = _build(company, manager)
    login(make_member(role, billing_hall, username=f"u-{role}"))
    assert client.get(_url(billing_hall)).status_code == 403
    assert client.get(_url(billing_hall, tail="export.xlsx"), {"period": MONTH.key}).status_code == 403
    assert client.post(_url(billing_hall, tail="build/"), {"period": MONTH.key}).status_code == 403
    assert (
        client.get(f"/halls/{billing_hall.pk}/money/company/builds/{report.pk}/progress/").status_code == 403
    )
    api = f"/api/v1/companies/{company.pk}/reports/"
    assert client.get(api).status_code == 403
    assert client.get(f"{api}{report.pk}/").status_code == 403
    assert (
        client.post(api, {"kind": "month", "period": MONTH.key}, content_type="application/json").status_code
        == 403
    )
    assert CompanyReport.objects.count() == 1


def test_another_companys_manager_finds_nothing(company, billing_hall, manager, make_member, login, client):
    report = _build(company, manager)
    elsewhere = HallFactory(name="外公司客服中心")
    login(make_member(Role.MANAGER, elsewhere, username="other-manager"))
    assert client.get(_url(billing_hall)).status_code == 404
    api = f"/api/v1/companies/{company.pk}/reports/"
    assert client.get(api).status_code == 404
    assert client.get(f"{api}{report.pk}/").status_code == 404
    assert client.get(f"{api}month/{MONTH.key}/").status_code == 404
    # Nor through a hall of their own: a build is found in its own company only.
    assert client.get(f"/halls/{elsewhere.pk}/money/company/builds/{report.pk}/progress/").status_code == 404
    assert client.get(f"/api/v1/companies/{elsewhere.company_id}/reports/{report.pk}/").status_code == 404


def test_the_progress_bar_reloads_the_page_once_built(company, billing_hall, manager, login, client):
    report = _build(company, manager)
    login(manager)
    response = client.get(f"/halls/{billing_hall.pk}/money/company/builds/{report.pk}/progress/")
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    assert 'value="100"' in response.content.decode()


def test_the_csv_export_has_a_line_per_hall_closed_by_the_company(
    billing_hall, company, manager, login, client
):
    report = _build(company, manager)
    login(manager)
    client.cookies["django_language"] = "en"
    response = client.get(_url(billing_hall, tail="export.csv"), {"period": MONTH.key})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    assert rows[0] == ["Halls"]
    header = rows[1]
    halls = rows[2:4]
    total = rows[4]
    assert total[0] == "Total" and {row[0] for row in halls} == {h["name"] for h in report.data["halls"]}
    assert Decimal(total[header.index("Net")]) == report.net
    assert Decimal(total[header.index("Payments")]) == report.payments
    start = rows.index(["Tills over or short"])
    assert rows[start + 1][0] == "Hall"
    short = [row for row in rows[start + 2 :] if row and row[0] != "Total"][:2]
    assert sorted(row[0] for row in short) == sorted(h["name"] for h in report.data["halls"])


def test_the_xlsx_export_puts_the_halls_in_columns_and_the_company_last(
    billing_hall, second_hall, company, manager, login, client
):
    report = _build(company, manager)
    login(manager)
    response = client.get(_url(billing_hall, tail="export.xlsx"), {"period": MONTH.key})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    days = list(book[book.sheetnames[1]].iter_rows(values_only=True))  # net by day
    header, body, total = days[0], days[1:-1], days[-1]
    assert total[0] == "合计" and header[-1] == "公司"
    assert {header[1], header[2]} == {billing_hall.name, second_hall.name}
    assert len(body) == len(DAYS) + len(OTHER_DAYS)
    for row in body:  # each day's company figure is its halls'
        assert Decimal(str(row[-1])) == sum(
            (Decimal(str(v)) for v in row[1:-1] if v is not None), Decimal("0")
        )
    assert Decimal(str(total[-1])).quantize(Decimal("0.01")) == report.net


def test_an_export_before_any_build_says_so(billing_hall, company, manager, login, client):
    login(manager)
    client.cookies["django_language"] = "en"
    response = client.get(_url(billing_hall, tail="export.csv"), {"period": MONTH.key})
    assert response.status_code == 404 and "not been built yet" in response.content.decode()


def test_the_api_builds_polls_and_reads_it(billing_hall, company, manager, login, client):
    login(manager)
    halls = client.get("/api/v1/halls/").json()
    assert {h["company_id"] for h in halls} == {company.pk}
    api = f"/api/v1/companies/{company.pk}/reports/"
    assert client.get(f"{api}month/{MONTH.key}/").status_code == 404  # not built yet
    with committed():
        created = client.post(api, {"kind": "month", "period": MONTH.key}, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["period"] == MONTH.key and body["state"] == "queued"  # the worker takes it from here
    polled = client.get(f"{api}{body['id']}/").json()
    assert polled["state"] == "done" and polled["progress"] == 100
    assert len(polled["data"]["halls"]) == 2
    latest = client.get(f"{api}month/{MONTH.key}/").json()
    assert latest["id"] == body["id"] and Decimal(latest["net"]) == Decimal(polled["data"]["net"])
    listed = client.get(api).json()
    assert [r["id"] for r in listed] == [body["id"]] and "data" not in listed[0]
    assert client.get(f"{api}year/2026/").status_code == 404
