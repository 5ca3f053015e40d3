"""The manager's company report in real Chromium, built by the real Celery worker: the halls side by side,
each hall's figure opening that hall's own report with the same figure, a day's that hall's daily report."""
# ruff: noqa: F811 — tests take the imported fixtures as arguments

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing.models import CompanyReport
from tests.billing.conftest import fee, open_till_for, tender  # noqa: F401 — fixtures for make_day
from tests.billing.test_company_reports import OTHER_DAYS, manager, second_hall  # noqa: F401 — fixtures
from tests.billing.test_periods import DAYS, MONTH, make_day  # noqa: F401 — a fixture
from tests.browser.test_money_flow import sign_in
from tests.counter.conftest import supervisor  # noqa: F401 — a fixture

# Where a hall's bar of a day is, in the canvas's own pixels, once its animation has ended.
BAR_CENTRE = """({day, dataset}) => {
  const chart = Chart.getChart(document.querySelector('[data-testid=chart-company-days]'));
  const days = JSON.parse(document.getElementById('company-data').textContent).days;
  const bar = chart.getDatasetMeta(dataset).data[days.indexOf(day)].getProps(['x', 'y', 'base'], true);
  return {x: bar.x, y: (bar.y + bar.base) / 2, height: bar.base - bar.y};
}"""


@pytest.fixture
def september(transactional_db, make_day, second_hall):
    """Two locked days in the first hall; the second hall's two (the `second_hall` fixture)."""
    make_day(DAYS[0], count=3, seed=1)
    make_day(DAYS[1], count=2, seed=2, void=True)
    return second_hall


def test_the_manager_builds_the_company_month_and_opens_a_halls_own_report(
    september, manager, billing_hall, celery_worker, live_server, page, artifacts_dir
):
    base, hall, other = live_server.url, billing_hall, september
    sign_in(page, base, manager)
    page.get_by_test_id("reports-menu").click()
    page.get_by_role("link", name="公司各客服中心汇总").click()
    page.wait_for_url(re.compile(rf".*/halls/{hall.pk}/money/company/month/$"))
    page.get_by_test_id("period-input").fill(MONTH.key)
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_test_id("period-label")).to_have_text("2026年9月")
    expect(page.get_by_test_id("not-built")).to_be_visible()

    page.get_by_test_id("build-report").click()
    # The worker builds it while the page polls; once built the page shows the halls side by side.
    table = page.get_by_test_id("halls-side-by-side")
    expect(table).to_be_visible(timeout=60000)
    page.screenshot(path=str(artifacts_dir / "company-month.png"), full_page=True)
    report = CompanyReport.objects.get()
    assert report.state == CompanyReport.State.DONE and report.requested_by == manager
    expect(page.get_by_test_id("built-at")).to_be_visible()
    expect(page.get_by_test_id("not-built")).to_have_count(0)

    by_id = {h["id"]: h for h in report.data["halls"]}
    net_row = table.locator("tr[data-figure=net]")
    expect(net_row.locator("td[data-hall=total]")).to_have_text(f"¥{report.net:,.2f}")
    other_net = Decimal(by_id[other.pk]["net"])
    assert other_net > 0 and Decimal(by_id[hall.pk]["net"]) + other_net == report.net
    cell = net_row.locator(f"td[data-hall='{other.pk}']")
    expect(cell).to_have_text(f"¥{other_net:,.2f}")

    # The second hall's figure opens that hall's own monthly report, which says the same.
    cell.get_by_role("link").click()
    page.wait_for_url(re.compile(rf".*/halls/{other.pk}/money/month/\?period={MONTH.key}$"))
    expect(page.get_by_test_id("net")).to_have_text(f"¥{other_net:,.2f}")
    page.screenshot(path=str(artifacts_dir / "second-hall-month.png"), full_page=True)

    # Back on the company's page, the second hall's bar of a day in the chart opens its daily report.
    page.go_back()
    day = OTHER_DAYS[0].isoformat()
    canvas = page.get_by_test_id("chart-company-days")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('[data-testid=chart-company-days]'))"
    )
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(1200)  # the bars grow in
    halls = [h["name"] for h in report.data["halls"]]
    bar = page.evaluate(BAR_CENTRE, {"day": day, "dataset": halls.index(other.name)})
    assert bar["height"] > 0, "the second hall has a bar that day"
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + bar["x"], box["y"] + bar["y"])
    page.wait_for_url(re.compile(rf".*/halls/{other.pk}/money/day/\?day={day}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(day)

    # And in the table, the first hall's day opens the first hall's daily report.
    page.go_back()
    first_day = DAYS[1].isoformat()
    page.get_by_test_id("by-day").locator(f"tr[data-day='{first_day}'] td[data-hall='{hall.pk}'] a").click()
    page.wait_for_url(re.compile(rf".*/halls/{hall.pk}/money/day/\?day={first_day}$"))
