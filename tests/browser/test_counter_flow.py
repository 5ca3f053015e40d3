"""A customer's whole visit in real Chromium: the greeter issues a ticket, the hall display shows and
announces it, the rep calls it and serves a transfer with its documents, the customer rates "不满意" on the
counter device, and the duty manager sees the alert and the draft complaint on the floor view."""

import re

import pytest
from playwright.sync_api import expect

from counter.models import Complaint, Rating, Ticket
from counter.services import ratings as rating_services
from servicecenter.roles import Role
from tests.conftest import PASSWORD
from tests.counter.conftest import ID_NUMBERS


@pytest.fixture
def staff(transactional_db, counter_hall, make_member):
    return {
        "greeter": make_member(Role.GREETER, counter_hall, last_name="杨", first_name="帆"),
        "rep": make_member(Role.REP, counter_hall, last_name="李", first_name="娜", staff_number="E1001"),
        "duty": make_member(Role.DUTY_MANAGER, counter_hall, last_name="周", first_name="强"),
    }


def sign_in(page, base, user):
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/halls/\d+/$"))


def test_a_visit_from_ticket_to_dissatisfied_rating(
    staff, counter_hall, make_account, live_server, chromium, artifacts_dir
):
    base = live_server.url
    hall = counter_hall
    account = make_account(hall, "20000001", name="张三", id_number=ID_NUMBERS[1], phone="13812345678")
    window = hall.windows.get(number=1)
    _device, device_token = rating_services.pair_device(
        hall=hall, window=window, name="1号评价器", by=staff["duty"]
    )

    def context():
        ctx = chromium.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        ctx.set_default_timeout(15000)
        return ctx

    greeter_ctx, display_ctx, rep_ctx, device_ctx, duty_ctx = (context() for _ in range(5))
    try:
        # The hall display (opened by the duty manager), started with a click so that it may play sound.
        display = display_ctx.new_page()
        sign_in(display, base, staff["duty"])
        audio_requests = []
        display.on("request", lambda r: audio_requests.append(r.url) if r.url.endswith(".wav") else None)
        display.goto(f"{base}/halls/{hall.pk}/display/")
        display.get_by_test_id("sound-on").click()

        # The greeter issues a ticket for the applications queue; the printable ticket shows the number.
        greeter = greeter_ctx.new_page()
        sign_in(greeter, base, staff["greeter"])
        greeter.goto(f"{base}/halls/{hall.pk}/queue/")
        greeter.get_by_test_id("issue-B").click()
        expect(greeter.get_by_test_id("ticket-code")).to_have_text("B001")
        expect(greeter.get_by_test_id("ticket-ahead")).to_contain_text("0")
        greeter.screenshot(path=artifacts_dir / "ticket.png")

        # The counter device at window 1 before anyone is there.
        device = device_ctx.new_page()
        device.goto(f"{base}/device/pair/?token={device_token}")
        expect(device.locator("#device-screen")).to_have_attribute("data-state", "closed")

        # The rep signs on at window 1 and calls: the display shows and announces "B001 → 1".
        rep = rep_ctx.new_page()
        sign_in(rep, base, staff["rep"])
        rep.goto(f"{base}/halls/{hall.pk}/counter/")
        rep.locator("#window").select_option(str(window.pk))
        rep.get_by_test_id("sign-on").get_by_role("button").click()
        rep.get_by_test_id("call-next").click()
        expect(rep.get_by_test_id("current-ticket")).to_have_text("B001")
        expect(display.get_by_test_id("current-call")).to_have_text("B001 → 1")
        expect(display.get_by_test_id("current-text")).to_have_text("请B001号到1号窗口办理业务")
        expect(display.locator("#display")).to_have_attribute("data-announcements", re.compile(r"[1-9]"))
        # Headless Chromium has no Chinese voice: the display fell back to the server's Mandarin recording.
        assert display.locator("#display").get_attribute("data-announced-with") in (
            "voice",
            "recording",
            "chime",
        )
        assert any(url.endswith(".wav") for url in audio_requests) or display.evaluate(
            "speechSynthesis.getVoices().some(v => /^zh|cmn/i.test(v.lang))"
        )
        display.screenshot(path=artifacts_dir / "display.png")

        # The device now shows who serves at the window.
        expect(device.get_by_test_id("rep-name")).to_have_text("李娜")
        expect(device.get_by_test_id("rep-number")).to_have_text("E1001")

        # The customer arrives: find the account, serve a transfer with all its documents.
        rep.get_by_test_id("start-visit").click()
        rep.locator("#q").fill("20000001")
        rep.locator("#q").press("Enter")
        rep.get_by_test_id("attach-20000001").click()
        expect(rep.get_by_test_id("holder")).to_have_text("张三")
        expect(rep.get_by_test_id("account-panel")).to_contain_text("138****5678")
        rep.get_by_test_id("type-transfer").click()
        form = rep.get_by_test_id("business-form")
        form.get_by_label("新户主姓名").fill("赵六")
        form.get_by_label("新户主身份证号").fill(ID_NUMBERS[3])
        form.get_by_label("新户主电话").fill("13700001111")
        form.get_by_role("textbox", name="表读数").fill("1024.5")
        for box in form.locator("input[name=documents]").all():
            box.check()
        form.locator("input[name=complete]").check()
        rep.get_by_test_id("record-business").click()
        expect(rep.get_by_test_id("recorded")).to_contain_text("过户")
        rep.screenshot(path=artifacts_dir / "workspace.png", full_page=True)
        account.refresh_from_db()
        assert account.holder.name == "赵六"

        # Farewell: the device asks for the rating; the customer presses 不满意.
        rep.get_by_test_id("end-visit").click()
        expect(rep.get_by_test_id("call-next")).to_be_visible()
        expect(device.get_by_test_id("rating-buttons")).to_be_visible()
        device.screenshot(path=artifacts_dir / "device.png")
        device.get_by_role("button", name=re.compile("不满意")).click()
        expect(device.get_by_test_id("thanks")).to_be_visible()
        rating = Rating.objects.get()
        assert rating.score == Rating.Score.DISSATISFIED and rating.rep == staff["rep"]
        assert rating.window == window and rating.ticket == Ticket.objects.get(code="B001")

        # The duty manager's floor view shows the alert and the draft complaint, and opens it.
        duty = duty_ctx.new_page()
        sign_in(duty, base, staff["duty"])
        duty.goto(f"{base}/halls/{hall.pk}/floor/")
        expect(duty.get_by_test_id("rating-alerts")).to_contain_text("不满意")
        complaint = Complaint.objects.get()
        assert complaint.status == Complaint.Status.DRAFT
        duty.get_by_test_id("alert-complaint").click()
        expect(duty.locator("body")).to_contain_text(complaint.number)
        duty.screenshot(path=artifacts_dir / "complaint.png", full_page=True)
    finally:
        for ctx in (greeter_ctx, display_ctx, rep_ctx, device_ctx, duty_ctx):
            ctx.close()
