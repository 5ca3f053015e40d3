"""The supervisor's dashboard in real Chromium: the month's daily revenue chart opens the day whose bar was
clicked."""
# ruff: noqa: F811 — tests take the imported fixtures as arguments

import re

import pytest
from playwright.sync_api import expect

from tests.billing.conftest import fee, open_till_for, tender  # noqa: F401 — fixtures for make_day
from tests.billing.test_periods import DAYS, MONTH, make_day  # noqa: F401 — a fixture
from tests.browser.test_money_flow import sign_in
from tests.counter.conftest import supervisor  # noqa: F401 — a fixture

# Where the bar of a day is, in the canvas's own pixels, once its animation has ended.
BAR_CENTRE = """(day) => {
  const canvas = document.querySelector('[data-testid=chart-daily]');
  const chart = Chart.getChart(canvas);
  const days = JSON.parse(document.getElementById('dashboard-data').textContent).days;
  const index = days.findIndex((d) => d.day === day);
  const bar = chart.getDatasetMeta(0).data[index].getProps(['x', 'y', 'base'], true);
  return {x: bar.x, y: (bar.y + bar.base) / 2, height: bar.base - bar.y};
}"""


@pytest.fixture
def two_days(transactional_db, make_day):
    """Payments on two days of a past month, each day counted, approved and locked."""
    make_day(DAYS[0], count=2, seed=1)
    make_day(DAYS[2], count=3, seed=3)
    return DAYS[0], DAYS[2]


def test_the_daily_revenue_chart_opens_the_day_clicked_on(
    two_days, supervisor, billing_hall, live_server, page, artifacts_dir
):
    base, hall = live_server.url, billing_hall
    _first, second = two_days
    sign_in(page, base, supervisor)
    page.goto(f"{base}/halls/{hall.pk}/money/dashboard/?period={MONTH.key}")
    expect(page.get_by_test_id("period-label")).to_have_text("2026年9月")
    canvas = page.get_by_test_id("chart-daily")
    expect(canvas).to_have_attribute("aria-label", re.compile(r"\S"))
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('[data-testid=chart-daily]'))"
    )
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(1200)  # the bars grow in; the screenshot shows them grown
    page.screenshot(path=str(artifacts_dir / "dashboard.png"), full_page=True)

    bar = page.evaluate(BAR_CENTRE, second.isoformat())
    assert bar["height"] > 0, "the second day has a bar"
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + bar["x"], box["y"] + bar["y"])

    page.wait_for_url(re.compile(rf".*/halls/{hall.pk}/money/day/\?day={second.isoformat()}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(second.isoformat())
    page.screenshot(path=str(artifacts_dir / "daily-report.png"), full_page=True)
