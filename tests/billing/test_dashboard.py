"""The supervisor's dashboard: a month's figures and charts, every figure linking to its report; scoped per
role and hall, refusing a month that has not begun, and a constant number of queries whatever the data."""
# ruff: noqa: F811 — tests take the imported make_day fixture as an argument

import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.periods import build_period_report
from servicecenter.roles import Role
from tests.billing.test_periods import DAYS, MONTH, make_day  # noqa: F401 — a fixture

QUERY_LIMIT = 25


def _url(hall) -> str:
    return f"/halls/{hall.pk}/money/dashboard/"


def _chart_data(page) -> dict:
    html = page.content.decode()
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page carries its chart data"
    return json.loads(match.group(1))


@pytest.mark.parametrize(("role", "status"), [(Role.REP, 403), (Role.GREETER, 403)])
def test_roles_without_money_reading_cannot_open_the_dashboard(
    billing_hall, make_member, login, client, role, status
):
    login(make_member(role, billing_hall, username=f"u-{role}"))
    assert client.get(_url(billing_hall)).status_code == status


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR, Role.FINANCE_AUDITOR, Role.MANAGER])
def test_money_readers_open_the_dashboard(billing_hall, make_member, login, client, role):
    login(make_member(role, billing_hall, username=f"u-{role}"))
    page = client.get(_url(billing_hall))
    assert page.status_code == 200
    assert 'data-testid="chart-daily"' in page.content.decode()


def test_another_halls_dashboard_is_not_found(billing_hall, other_hall, supervisor, login, client):
    login(supervisor)
    assert client.get(_url(other_hall)).status_code == 404


@pytest.mark.parametrize(("text", "message"), [("2099-01", "has not begun"), ("2026-13", "Not a month")])
def test_a_future_or_malformed_month_is_refused_with_a_message(
    billing_hall, supervisor, login, client, text, message
):
    login(supervisor)
    client.cookies["django_language"] = "en"
    page = client.get(_url(billing_hall), {"period": text})
    assert page.status_code == 400
    html = page.content.decode()
    assert message in html and 'data-testid="period-error"' in html
    assert "dashboard-data" not in html


def test_every_figure_links_to_its_report(billing_hall, make_day, supervisor, login, client):
    make_day(DAYS[0], count=2, seed=1)
    make_day(DAYS[2], count=3, seed=3, short=True)
    login(supervisor)
    page = client.get(_url(billing_hall), {"period": MONTH.key})
    assert page.status_code == 200
    html = unescape(page.content.decode())
    report = build_period_report([billing_hall], MONTH)
    day_url = f"/halls/{billing_hall.pk}/money/day/"
    month_url = f"/halls/{billing_hall.pk}/money/month/?period={MONTH.key}"

    # The headline figures open the monthly report, with the trend against August.
    for testid in ("gross", "net", "vas", "cash-takings", "over-short", "payments"):
        assert re.search(rf'href="{re.escape(month_url)}" data-testid="{testid}"', html), testid
    assert f"¥{Decimal(report['net']):,.2f}" in html
    assert 'data-testid="net-trend"' in html
    assert "-¥10.00" in html  # the short till of the third day

    # Each day with business links to its daily report, in each table; the charts open the same addresses.
    for day in (DAYS[0], DAYS[2]):
        assert html.count(f'href="{day_url}?day={day.isoformat()}"') >= 3 * 3
    tables = re.sub(r'<script id="dashboard-data".*?</script>', "", html, flags=re.S)
    assert f"{day_url}?day={DAYS[1].isoformat()}" not in tables  # a day without business is not listed
    data = _chart_data(page)
    rows = {d["day"]: d for d in data["days"]}
    assert len(rows) == len(MONTH.days)  # a past month: every day of it
    assert rows[DAYS[0].isoformat()]["url"] == f"{day_url}?day={DAYS[0].isoformat()}"
    assert rows[DAYS[2].isoformat()]["over_short"] == "-10.00"
    assert rows[DAYS[0].isoformat()]["net"] == report["days"][DAYS[0].day - 1]["net"]
    # The tenders open the monthly report.
    assert [t["tender"] for t in data["tenders"]] == [t["tender"] for t in report["by_tender"]]
    assert {t["url"] for t in data["tenders"]} == {month_url}

    # Four labelled canvases; the previous month, no next one past today.
    for testid in ("chart-daily", "chart-tenders", "chart-over-short", "chart-vas"):
        assert re.search(rf'<canvas data-testid="{testid}"[^>]*aria-label="[^"]+"', html, re.S), testid
    assert 'data-testid="previous-period"' in html and 'href="?period=2026-08"' in html
    assert 'href="?period=2026-10"' in html


def test_the_current_month_is_charted_up_to_today(billing_hall, supervisor, login, client):
    login(supervisor)
    page = client.get(_url(billing_hall))
    assert page.status_code == 200
    data = _chart_data(page)
    assert data["days"] and data["days"][0]["day"].endswith("-01")
    assert 'data-testid="next-period"' not in page.content.decode()


def test_the_dashboard_keeps_its_query_count_whatever_the_data(
    billing_hall, make_day, supervisor, login, client, django_assert_max_num_queries
):
    counts = []
    make_day(DAYS[0], count=2)
    login(supervisor)
    with django_assert_max_num_queries(QUERY_LIMIT), CaptureQueriesContext(connection) as small:
        assert client.get(_url(billing_hall), {"period": MONTH.key}).status_code == 200
    counts.append(len(small))
    make_day(DAYS[1], count=12, seed=5, void=True)
    make_day(DAYS[2], count=12, seed=6, short=True)
    make_day(DAYS[3], count=12, seed=7, lock=False)
    login(supervisor)
    with django_assert_max_num_queries(QUERY_LIMIT), CaptureQueriesContext(connection) as large:
        assert client.get(_url(billing_hall), {"period": MONTH.key}).status_code == 200
    counts.append(len(large))
    assert counts[0] == counts[1], counts
