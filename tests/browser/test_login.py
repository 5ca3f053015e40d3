"""A counter rep signs in through the Chinese UI in a real Chromium and sees their hall's home page."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from servicecenter.models import Hall, Window


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def test_demo_rep_signs_in_in_chinese_and_sees_the_hall_today(demo, live_server, page, artifacts_dir):
    page.goto(f"{live_server.url}/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("heading", name="登录").is_visible()
    page.screenshot(path=artifacts_dir / "login.png")

    page.get_by_label("用户名").fill("east.rep")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert "用户名或密码错误" in page.get_by_test_id("login-error").inner_text()

    page.get_by_label("用户名").fill("east.rep")
    page.get_by_label("密码").fill("demo-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/halls/*/")

    east = Hall.objects.get(code="east")
    assert page.get_by_test_id("hall-name").inner_text() == "城东客服中心"
    assert "营业日" in page.get_by_test_id("hall-banner").inner_text()
    assert page.get_by_test_id("my-roles").inner_text() == "客服代表"
    assert (
        page.get_by_test_id("windows-in-service").inner_text()
        == f"{east.windows.count()} / {east.windows.count()}"
    )
    staff = page.get_by_test_id("staff").inner_text()
    assert "张伟" in staff and "客服中心主管" in staff and "刘洋" in staff
    # A rep's menu has no supervisor pages.
    assert page.get_by_role("link", name="审计日志").count() == 0
    assert page.get_by_role("link", name="人员与角色").count() == 0
    page.screenshot(path=artifacts_dir / "home.png", full_page=True)

    # The "today" panels refresh themselves through htmx: a window put into service shows up.
    Window.objects.create(hall=east, number=7, name="7号窗口")
    page.evaluate("htmx.trigger('#hall-today', 'refresh')")
    expect(page.get_by_test_id("windows-in-service")).to_have_text("7 / 7")
    expect(page.get_by_test_id("windows")).to_contain_text("7号窗口")


def test_roving_duty_manager_switches_hall_from_the_header(demo, live_server, page, artifacts_dir):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("roving.duty")
    page.get_by_label("密码").fill("demo-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/halls/*/")
    assert page.get_by_test_id("hall-name").inner_text() == "城东客服中心"
    page.locator("#sc-hall-switch").select_option(label="城西客服中心")
    page.wait_for_url(f"{live_server.url}/halls/{Hall.objects.get(code='west').pk}/")
    assert page.get_by_test_id("hall-name").inner_text() == "城西客服中心"
    page.screenshot(path=artifacts_dir / "switched.png")


def test_language_switch_to_english_and_back(demo, live_server, page):
    page.goto(f"{live_server.url}/login/")
    page.get_by_test_id("language").select_option("en")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_test_id("language").select_option("zh-hans")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
