"""A rep's day of money in real Chromium: the rep opens the till with the float the auditor issued, sells a
product for cash with the change shown on the rep's screen and on the customer's device, prints the
receipt, voids the spoiled printout with a reason, counts the till ¥10 short and explains it; the auditor
verifies; the supervisor approves the day and records the deposit; the day is locked and stays so."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from billing.models import HallDay, Payment, Receipt, Till
from billing.services import tills
from counter.services import ratings as rating_services
from servicecenter.roles import Role
from tests.conftest import PASSWORD


def zh(text: str, context: str = "") -> str:
    with translation.override("zh-hans"):
        return pgettext(context, text) if context else gettext(text)


@pytest.fixture
def staff(transactional_db, billing_hall, make_member, auditor):
    return {
        "rep": make_member(Role.REP, billing_hall, last_name="李", first_name="娜", staff_number="E1001"),
        "auditor": auditor,
        "supervisor": make_member(Role.SUPERVISOR, billing_hall, last_name="刘", first_name="洋"),
    }


def sign_in(page, base, user):
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/halls/\d+/$"))


def test_a_day_of_money_from_float_to_locked_day(
    staff, billing_hall, book_for, close_hall, live_server, chromium, artifacts_dir
):
    base, hall = live_server.url, billing_hall
    rep_user = staff["rep"]
    book_for(rep_user, first=1001, last=1100, prefix="E")
    window = hall.windows.get(number=1)
    tills.issue_float(hall=hall, rep=rep_user, amount="500.00", by=staff["auditor"], window=window)
    _device, device_token = rating_services.pair_device(
        hall=hall, window=window, name="1号评价器", by=staff["supervisor"]
    )

    def context():
        ctx = chromium.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        ctx.set_default_timeout(15000)
        return ctx

    rep_ctx, device_ctx, auditor_ctx, supervisor_ctx = (context() for _ in range(4))
    try:
        rep = rep_ctx.new_page()
        sign_in(rep, base, rep_user)
        # At the window, so that the customer's device shows the figures.
        rep.goto(f"{base}/halls/{hall.pk}/counter/")
        rep.locator("#window").select_option(str(window.pk))
        rep.get_by_test_id("sign-on").get_by_role("button").click()
        device = device_ctx.new_page()
        device.goto(f"{base}/device/pair/?token={device_token}")
        expect(device.get_by_test_id("rep-name")).to_have_text("李娜")

        # The rep counts the float and opens the till.
        rep.goto(f"{base}/halls/{hall.pk}/money/till/")
        expect(rep.get_by_test_id("float")).to_have_text("¥500.00")
        rep.get_by_test_id("open-till").click()
        expect(rep.get_by_test_id("till-state")).to_have_text(zh("Open", "till"))

        # A gas alarm (¥298) paid in cash: ¥300 handed over, ¥2 change — on both screens.
        rep.get_by_test_id("take-payment").click()
        rep.get_by_test_id("qty-alarm").fill("1")
        rep.get_by_test_id("cash-tendered").fill("300")
        expect(rep.get_by_test_id("total")).to_have_text("¥298.00")
        expect(rep.get_by_test_id("change")).to_have_text("¥2.00")
        expect(rep.get_by_test_id("total-words")).to_have_text("贰佰玖拾捌元整")
        expect(device.get_by_test_id("device-change")).to_have_text("¥2.00")
        expect(device.get_by_test_id("device-due")).to_have_text("¥298.00")
        device.screenshot(path=artifacts_dir / "device-amounts.png")
        rep.screenshot(path=artifacts_dir / "pay.png", full_page=True)
        rep.get_by_test_id("record-payment").click()
        expect(rep.get_by_test_id("paid-change")).to_have_text("¥2.00")
        payment = Payment.objects.get()
        first_number = Receipt.objects.get(payment=payment).number
        assert first_number == "E00001001"
        expect(rep.get_by_test_id("receipt-number")).to_have_text(first_number)

        # The 80 mm receipt opens for printing, with the amount in capitals.
        with rep.expect_popup() as popup:
            rep.get_by_test_id("print-receipt").click()
        receipt = popup.value
        expect(receipt.get_by_test_id("receipt-no")).to_have_text(first_number)
        expect(receipt.get_by_test_id("receipt-words")).to_have_text("贰佰玖拾捌元整")
        receipt.screenshot(path=artifacts_dir / "receipt.png", full_page=True)
        receipt.close()

        # The printout jammed: that receipt is voided with the reason, the payment gets the next number.
        rep.get_by_test_id("reissue-reason").fill("打印机卡纸")
        rep.get_by_test_id("reissue").click()
        expect(rep.get_by_test_id("receipt-number")).to_have_text("E00001002")
        spoiled = Receipt.objects.get(number=first_number)
        assert spoiled.status == Receipt.Status.VOIDED and spoiled.void_reason == "打印机卡纸"

        # The count: float 500 + cash 298 = 798 expected; 788 in the drawer — ¥10 short, explained.
        rep.goto(f"{base}/halls/{hall.pk}/money/till/")
        count = rep.get_by_test_id("count-form")
        count.locator("#d_100\\.00").fill("7")
        count.locator("#d_10\\.00").fill("8")
        count.locator("#d_1\\.00").fill("8")
        expect(count.get_by_test_id("cash-total")).to_have_text("¥788.00")
        rep.get_by_test_id("close-till").click()
        expect(rep.locator(".alert-danger").first).to_contain_text("现金")  # the unexplained difference
        rep.get_by_test_id("explanation-input").fill("找零时多找出10元，已登记")
        rep.get_by_test_id("close-till").click()
        expect(rep.get_by_test_id("difference-cash")).to_contain_text("-¥10.00")
        rep.screenshot(path=artifacts_dir / "till-counted.png", full_page=True)
        rep.get_by_test_id("hand-in").click()
        expect(rep.get_by_test_id("till-state")).to_have_text(zh("Handed in"))

        # The auditor verifies the till.
        auditor = auditor_ctx.new_page()
        sign_in(auditor, base, staff["auditor"])
        till = Till.objects.get()
        auditor.goto(f"{base}/halls/{hall.pk}/money/tills/")
        auditor.get_by_role("link", name=till.number).click()
        expect(auditor.get_by_test_id("explanation")).to_have_text("找零时多找出10元，已登记")
        auditor.get_by_test_id("verify-till").click()
        expect(auditor.get_by_test_id("till-state")).to_have_text(zh("Verified"))

        # The hall closes for the day (the duty manager's closing checklist); the supervisor builds and
        # approves the day, then records the deposit (cash 788 − float 500).
        close_hall()
        supervisor = supervisor_ctx.new_page()
        sign_in(supervisor, base, staff["supervisor"])
        supervisor.goto(f"{base}/halls/{hall.pk}/money/day/")
        supervisor.get_by_test_id("generate").click()
        expect(supervisor.get_by_test_id("gross")).to_have_text("¥298.00")
        supervisor.get_by_test_id("approve-day").click()
        expect(supervisor.get_by_test_id("cash-takings")).to_have_text("¥288.00")
        expect(supervisor.get_by_test_id("deposit-amount")).to_have_value("288.00")
        supervisor.get_by_test_id("deposit-bank").fill("中国工商银行")
        supervisor.get_by_test_id("deposit-slip").fill("DP20261123001")
        supervisor.get_by_test_id("record-deposit").click()
        expect(supervisor.get_by_test_id("day-state")).to_contain_text(zh("Locked"))
        expect(supervisor.get_by_test_id("locked-note")).to_be_visible()
        supervisor.screenshot(path=artifacts_dir / "day-locked.png", full_page=True)
        assert HallDay.objects.get().state == HallDay.State.LOCKED

        # A later change on the locked day is refused: the auditor cannot issue another float for it.
        auditor.goto(f"{base}/halls/{hall.pk}/money/tills/")
        auditor.get_by_test_id("float-form").locator("select[name=rep]").select_option(str(rep_user.pk))
        auditor.get_by_test_id("float-form").locator("input[name=amount]").fill("300")
        auditor.get_by_test_id("issue-float").click()
        locked = zh("The business day %(day)s is locked: nothing on it can change.") % {
            "day": till.business_day
        }
        expect(auditor.locator(".alert-danger").first).to_contain_text(locked)
        assert Till.objects.count() == 1
    finally:
        for ctx in (rep_ctx, device_ctx, auditor_ctx, supervisor_ctx):
            ctx.close()
