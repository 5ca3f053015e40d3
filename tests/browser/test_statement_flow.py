"""The auditor's monthly statement in real Chromium, built by the real Celery worker: the progress bar
moves, the PDF downloads, and it is a Chinese PDF with the hall's name, the month's total and an embedded
CJK font."""
# ruff: noqa: F811 — tests take the imported fixtures as arguments

import re
import subprocess
import time

import pytest
from playwright.sync_api import expect

from billing.models import Statement
from tests.billing.conftest import fee, open_till_for, tender  # noqa: F401 — fixtures for make_day
from tests.billing.test_periods import DAYS, MONTH, make_day  # noqa: F401 — a fixture
from tests.browser.test_money_flow import sign_in
from tests.counter.conftest import supervisor  # noqa: F401 — a fixture


@pytest.fixture
def locked_month(transactional_db, make_day):
    """Three locked days of a past month, enough payments for the appendix to take the worker a while."""
    for n, day in enumerate(DAYS[:3]):
        make_day(day, count=40, seed=n)


def test_the_auditor_watches_the_statement_being_built_and_downloads_it(
    locked_month, auditor, billing_hall, celery_worker, live_server, page, artifacts_dir
):
    base, hall = live_server.url, billing_hall
    sign_in(page, base, auditor)
    page.goto(f"{base}/halls/{hall.pk}/money/statements/")
    page.locator("#statement-month").fill(MONTH.key)
    page.locator("#statement-appendix").select_option("pdf")
    page.get_by_test_id("start-statement").click()
    page.wait_for_url(re.compile(rf".*/halls/{hall.pk}/money/statements/\d+/$"))

    # The bar, as the page polls it: it moves on while the worker builds, then the download appears.
    seen = []
    status = page.get_by_test_id("statement-status")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        value = int(page.get_by_test_id("statement-progress").get_attribute("value") or 0)
        if not seen or seen[-1] != value:
            seen.append(value)
        if status.get_attribute("data-state") in ("done", "failed"):
            break
        page.wait_for_timeout(150)
    page.screenshot(path=str(artifacts_dir / "statement-done.png"), full_page=True)
    assert status.get_attribute("data-state") == "done", Statement.objects.get().error
    assert any(0 < value < 100 for value in seen), f"the bar did not move: {seen}"
    assert seen == sorted(seen) and seen[-1] == 100

    with page.expect_download() as download:
        page.get_by_test_id("download-pdf").click()
    path = artifacts_dir / "statement.pdf"
    download.value.save_as(path)
    pdftotext = ["pdftotext", "-layout", path, "-"]
    text = subprocess.run(pdftotext, check=True, capture_output=True, text=True).stdout
    statement = Statement.objects.get()
    assert hall.name in text
    assert f"¥{statement.net:,.2f}" in text
    fonts = subprocess.run(["pdffonts", path], check=True, capture_output=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts  # embedded
    expect(page.get_by_test_id("statement-status")).to_contain_text(f"{statement.payments}")
