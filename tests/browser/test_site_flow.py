"""The duty manager records a counterfeit note and works through its handling steps by keyboard, then
completes the opening checklist — in real Chromium (the English UI, as a manager may choose)."""

import pytest
from playwright.sync_api import expect

from counter.models import ChecklistRun, Incident
from servicecenter.roles import Role
from tests.conftest import PASSWORD


@pytest.fixture
def duty(transactional_db, counter_hall, make_member):
    return make_member(Role.DUTY_MANAGER, counter_hall, last_name="周", first_name="强")


def sign_in_in_english(page, base, user):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.goto(f"{base}/login/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button").last.click()
    page.wait_for_url(f"{base}/halls/*/")


def test_counterfeit_note_incident_and_opening_checklist(
    duty, counter_hall, live_server, page, artifacts_dir
):
    base, hall = live_server.url, counter_hall
    sign_in_in_english(page, base, duty)
    page.goto(f"{base}/halls/{hall.pk}/site/incidents/new/")
    page.get_by_label("Incident").select_option("counterfeit_note")
    expect(page.get_by_test_id("counterfeit-fields")).to_be_visible()
    # The note's fields belong to counterfeit notes only.
    page.get_by_label("Incident").select_option("power_outage")
    expect(page.get_by_test_id("counterfeit-fields")).to_have_count(0)
    page.get_by_label("Incident").select_option("counterfeit_note")
    page.get_by_label("Note denomination").select_option("100.00")
    page.get_by_label("Serial number").fill("fa12345678")
    page.get_by_label("What happened").fill("客户递交的百元钞疑似假币")
    page.get_by_role("button", name="Report the incident").click()
    page.wait_for_url(f"{base}/halls/{hall.pk}/site/incidents/*/")
    incident = Incident.objects.get()
    assert incident.note_serial == "FA12345678" and incident.steps.count() == 3

    # A step ticked from the keyboard shows who did it, and the focus stays where it was.
    button = f"step-button-{incident.steps.first().pk}"
    page.locator(f"#{button}").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("step-done")).to_have_count(1)
    expect(page.get_by_test_id("step-done")).to_contain_text("周强")
    assert page.evaluate("document.activeElement.id") == button
    page.screenshot(path=artifacts_dir / "incident.png", full_page=True)

    page.goto(f"{base}/halls/{hall.pk}/site/")
    form = page.get_by_test_id("checklist-form-opening")
    form.get_by_role("button", name="Mark the rest in order").click()
    form.get_by_role("button", name="Complete the checklist").click()
    expect(page.get_by_test_id("checklist-done")).to_have_count(1)
    assert ChecklistRun.objects.get().completed_by == duty
    page.screenshot(path=artifacts_dir / "site.png", full_page=True)
