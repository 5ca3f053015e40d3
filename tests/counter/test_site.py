"""Site management (spec §6): opening/closing checklists and incidents — the services and the pages."""

import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone, translation

from counter.errors import CounterError
from counter.models import (
    ChecklistAnswer,
    ChecklistItem,
    ChecklistRun,
    Incident,
    IncidentKind,
    IncidentStep,
    IncidentStepTemplate,
)
from counter.selectors import site as selectors
from counter.services import site as services
from servicecenter.clock import business_day
from servicecenter.roles import Role

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
OPENING = ChecklistItem.Kind.OPENING
CLOSING = ChecklistItem.Kind.CLOSING


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in the English source (the pages get the language cookie)."""
    with translation.override("en"):
        yield


@pytest.fixture
def en(login):
    """en(user) -> a client signed in as that user, showing English."""

    def do(user):
        c = login(user, Client())
        c.cookies["django_language"] = "en"
        return c

    return do


def all_ok(hall, kind=OPENING) -> dict:
    return {
        item.pk: (True, "") for item in ChecklistItem.objects.filter(hall=hall, kind=kind, is_active=True)
    }


def report(hall, by, kind=IncidentKind.POWER_OUTAGE, at=AT, **kwargs):
    kwargs.setdefault("occurred_at", at - timedelta(minutes=10))
    kwargs.setdefault("description", "大厅突然停电")
    return services.report_incident(hall=hall, kind=kind, by=by, at=at, **kwargs)


def counterfeit(hall, by, **kwargs):
    kwargs.setdefault("note_denomination", Decimal("100"))
    kwargs.setdefault("note_serial", "FA12345678")
    kwargs.setdefault("description", "客户缴费时递交的一张百元疑似假币")
    return report(hall, by, kind=IncidentKind.COUNTERFEIT_NOTE, **kwargs)


# --- Checklists: the service -------------------------------------------------------------------------


def test_completed_checklist_keeps_every_answer_for_the_business_day(counter_hall, duty_manager):
    items = list(ChecklistItem.objects.filter(hall=counter_hall, kind=OPENING))
    answers = all_ok(counter_hall)
    answers[items[2].pk] = (False, "  玻璃上有污渍  ")
    # 02:30 on the 24th is still the 23rd's business day (cut-off 04:00).
    at = datetime(2026, 11, 24, 2, 30, tzinfo=SHANGHAI)
    run = services.complete_checklist(
        hall=counter_hall, kind=OPENING, answers=answers, remarks="一切正常", by=duty_manager, at=at
    )
    assert run.business_day == business_day(counter_hall, at) == datetime(2026, 11, 23).date()
    assert run.completed_by == duty_manager and run.completed_at == at
    saved = {a.item_id: a for a in run.answers.all()}
    assert set(saved) == {item.pk for item in items}
    assert saved[items[2].pk].ok is False and saved[items[2].pk].note == "玻璃上有污渍"
    assert saved[items[2].pk].text == items[2].text and saved[items[2].pk].section == items[2].section


def test_answers_keep_the_wording_of_the_day_when_a_point_is_reworded(counter_hall, duty_manager):
    item = ChecklistItem.objects.filter(hall=counter_hall, kind=OPENING).first()
    old_text = item.text
    run = services.complete_checklist(
        hall=counter_hall, kind=OPENING, answers=all_ok(counter_hall), by=duty_manager, at=AT
    )
    item.text = "新的检查要求"
    item.save()
    assert run.answers.get(item=item).text == old_text


def test_checklist_with_a_point_unanswered_is_refused_and_nothing_is_saved(counter_hall, duty_manager):
    answers = all_ok(counter_hall)
    missing = ChecklistItem.objects.filter(hall=counter_hall, kind=OPENING).last()
    del answers[missing.pk]
    with pytest.raises(CounterError, match="has no answer") as refused:
        services.complete_checklist(hall=counter_hall, kind=OPENING, answers=answers, by=duty_manager, at=AT)
    assert missing.text in str(refused.value)
    assert not ChecklistRun.objects.exists() and not ChecklistAnswer.objects.exists()


def test_point_not_in_order_needs_a_note(counter_hall, duty_manager):
    answers = all_ok(counter_hall)
    point = ChecklistItem.objects.filter(hall=counter_hall, kind=OPENING).first()
    answers[point.pk] = (False, "   ")
    with pytest.raises(CounterError, match="note what is wrong"):
        services.complete_checklist(hall=counter_hall, kind=OPENING, answers=answers, by=duty_manager, at=AT)
    assert not ChecklistRun.objects.exists()


def test_same_checklist_twice_on_one_day_is_refused_saying_who_did_it(counter_hall, duty_manager, supervisor):
    services.complete_checklist(
        hall=counter_hall, kind=OPENING, answers=all_ok(counter_hall), by=duty_manager, at=AT
    )
    with pytest.raises(CounterError, match="already completed by 周强 at 10:00"):
        services.complete_checklist(
            hall=counter_hall,
            kind=OPENING,
            answers=all_ok(counter_hall),
            by=supervisor,
            at=AT + timedelta(hours=3),
        )
    assert ChecklistRun.objects.count() == 1
    # The closing checklist the same day, and the opening one the next day, are their own.
    services.complete_checklist(
        hall=counter_hall, kind=CLOSING, answers=all_ok(counter_hall, CLOSING), by=supervisor, at=AT
    )
    services.complete_checklist(
        hall=counter_hall,
        kind=OPENING,
        answers=all_ok(counter_hall),
        by=duty_manager,
        at=AT + timedelta(days=1),
    )
    assert ChecklistRun.objects.count() == 3


def test_answer_to_another_halls_point_is_refused(counter_hall, other_hall, duty_manager):
    from counter.defaults import install_hall_defaults

    install_hall_defaults(other_hall)
    answers = all_ok(counter_hall)
    answers.update(all_ok(other_hall))
    with pytest.raises(CounterError, match="not on this checklist"):
        services.complete_checklist(hall=counter_hall, kind=OPENING, answers=answers, by=duty_manager, at=AT)
    assert not ChecklistRun.objects.exists()


def test_inactive_points_are_not_asked(counter_hall, duty_manager):
    retired = ChecklistItem.objects.filter(hall=counter_hall, kind=OPENING).first()
    retired.is_active = False
    retired.save()
    run = services.complete_checklist(
        hall=counter_hall, kind=OPENING, answers=all_ok(counter_hall), by=duty_manager, at=AT
    )
    assert retired.pk not in set(run.answers.values_list("item_id", flat=True))


@pytest.mark.parametrize("role", [Role.REP, Role.GREETER, Role.FINANCE_AUDITOR, Role.MANAGER])
def test_only_the_duty_manager_or_supervisor_completes_checklists(role, counter_hall, make_member):
    with pytest.raises(CounterError) as refused:
        services.complete_checklist(
            hall=counter_hall,
            kind=OPENING,
            answers=all_ok(counter_hall),
            by=make_member(role, counter_hall),
            at=AT,
        )
    assert refused.value.code == "forbidden"


def test_checklist_status_of_a_day(counter_hall, duty_manager):
    day = business_day(counter_hall, AT)
    assert selectors.checklist_status(counter_hall, day) == {OPENING: None, CLOSING: None}
    run = services.complete_checklist(
        hall=counter_hall, kind=OPENING, answers=all_ok(counter_hall), by=duty_manager, at=AT
    )
    assert selectors.checklist_status(counter_hall, day) == {OPENING: run, CLOSING: None}
    assert selectors.checklist_status(counter_hall, day + timedelta(days=1)) == {OPENING: None, CLOSING: None}


@pytest.mark.django_db(transaction=True)
def test_two_people_completing_the_same_checklist_at_once_record_it_once(
    counter_hall, duty_manager, supervisor
):
    if connection.vendor != "postgresql":
        pytest.skip("row locking needs PostgreSQL (make test)")
    first_written, release = threading.Event(), threading.Event()
    outcome = {}

    def first():
        try:
            with transaction.atomic():
                services.complete_checklist(
                    hall=counter_hall, kind=OPENING, answers=all_ok(counter_hall), by=duty_manager, at=AT
                )
                first_written.set()
                release.wait(10)  # keep the run uncommitted while the second one tries
        finally:
            connection.close()

    def second():
        first_written.wait(10)
        try:
            with translation.override("en"):
                services.complete_checklist(
                    hall=counter_hall, kind=OPENING, answers=all_ok(counter_hall), by=supervisor, at=AT
                )
            outcome["second"] = "recorded"
        except CounterError as exc:
            outcome["second"] = str(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_written.wait(10)
    time.sleep(0.5)  # the second is now waiting on the first's row
    release.set()
    for t in threads:
        t.join(20)
    assert "already completed by 周强" in outcome["second"]
    run = ChecklistRun.objects.get()
    assert run.completed_by == duty_manager
    assert run.answers.count() == len(all_ok(counter_hall))


# --- Incidents: the service --------------------------------------------------------------------------


def test_reported_incident_gets_the_halls_active_steps_of_its_kind(counter_hall, other_hall, rep):
    IncidentStepTemplate.objects.create(
        hall=counter_hall, kind=IncidentKind.POWER_OUTAGE, text="旧步骤", sort=9, is_active=False
    )
    IncidentStepTemplate.objects.create(
        hall=other_hall, kind=IncidentKind.POWER_OUTAGE, text="别的厅", sort=0
    )
    incident = report(counter_hall, rep, people="等候客户约10人")
    expected = list(
        IncidentStepTemplate.objects.filter(hall=counter_hall, kind=IncidentKind.POWER_OUTAGE, is_active=True)
        .order_by("sort")
        .values_list("text", flat=True)
    )
    assert [s.text for s in incident.steps.order_by("sort")] == expected and len(expected) == 4
    assert incident.status == Incident.Status.OPEN
    assert incident.reported_by == rep and incident.reported_at == AT
    assert incident.people == "等候客户约10人"


def test_incident_belongs_to_the_business_day_it_happened(counter_hall, rep):
    incident = report(
        counter_hall,
        rep,
        occurred_at=datetime(2026, 11, 24, 1, 30, tzinfo=SHANGHAI),
        at=datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI),
    )
    assert incident.business_day == datetime(2026, 11, 23).date()


def test_incident_in_the_future_is_refused(counter_hall, rep):
    with pytest.raises(CounterError, match="future"):
        report(counter_hall, rep, occurred_at=AT + timedelta(minutes=5))
    assert not Incident.objects.exists()


def test_counterfeit_note_is_recorded_with_its_serial_in_upper_case(counter_hall, rep):
    incident = counterfeit(counter_hall, rep, note_denomination="50", note_serial=" ｆａ1234 5678 ")
    assert incident.note_denomination == Decimal("50.00")
    assert incident.note_serial == "FA12345678"
    assert incident.steps.count() == 3


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"note_serial": ""}, "serial number"),
        ({"note_denomination": None}, "denomination"),
        ({"note_denomination": Decimal("0.50")}, "coins are not"),
        ({"note_denomination": Decimal("2")}, "coins are not"),
        ({"note_denomination": "abc"}, "coins are not"),
        ({"note_serial": "FA1234567"}, "not a banknote serial"),
        ({"note_serial": "FA123456789"}, "not a banknote serial"),
        ({"note_serial": "1A12345678"}, "not a banknote serial"),
        ({"note_serial": "FA1234567X"}, "not a banknote serial"),
        ({"note_serial": "FA-1234567"}, "not a banknote serial"),
    ],
)
def test_counterfeit_note_needs_a_note_denomination_and_a_valid_serial(fields, message, counter_hall, rep):
    with pytest.raises(CounterError, match=message):
        counterfeit(counter_hall, rep, **fields)
    assert not Incident.objects.exists() and not IncidentStep.objects.exists()


def test_note_details_are_refused_for_other_incidents(counter_hall, rep):
    with pytest.raises(CounterError, match="only for a counterfeit note"):
        report(counter_hall, rep, note_serial="FA12345678")
    assert not Incident.objects.exists()


def test_incident_needs_a_description_and_a_known_kind(counter_hall, rep):
    with pytest.raises(CounterError, match="Describe"):
        report(counter_hall, rep, description="  ")
    with pytest.raises(CounterError, match="kind"):
        report(counter_hall, rep, kind="fire")
    assert not Incident.objects.exists()


def test_staff_involved_must_be_staff_of_the_hall(counter_hall, other_hall, rep, greeter, make_member):
    stranger = make_member(Role.REP, other_hall)
    with pytest.raises(CounterError, match="Only staff of this hall"):
        report(counter_hall, rep, staff_involved=[greeter, stranger])
    assert not Incident.objects.exists()
    incident = report(counter_hall, rep, staff_involved=[greeter.pk, rep])
    assert set(incident.staff_involved.all()) == {greeter, rep}


def test_finance_auditor_cannot_report(counter_hall, make_member):
    with pytest.raises(CounterError) as refused:
        report(counter_hall, make_member(Role.FINANCE_AUDITOR, counter_hall))
    assert refused.value.code == "forbidden"


def test_tick_records_who_and_when_and_a_second_tick_says_who_did_it(
    counter_hall, rep, duty_manager, supervisor
):
    incident = report(counter_hall, rep)
    step = incident.steps.order_by("sort").first()
    services.tick_step(step=step, by=duty_manager, at=AT + timedelta(minutes=2))
    step.refresh_from_db()
    assert step.done_by == duty_manager and step.done_at == AT + timedelta(minutes=2)
    with pytest.raises(CounterError, match="already ticked by 周强 at 10:02"):
        services.tick_step(step=step, by=supervisor, at=AT + timedelta(minutes=3))
    services.untick_step(step=step, by=supervisor)
    step.refresh_from_db()
    assert step.done_at is None and step.done_by is None


def test_rep_cannot_tick_or_close(counter_hall, rep):
    incident = report(counter_hall, rep)
    with pytest.raises(CounterError) as refused:
        services.tick_step(step=incident.steps.first(), by=rep)
    assert refused.value.code == "forbidden"
    with pytest.raises(CounterError):
        services.close_incident(incident=incident, outcome="好了", by=rep, unticked_reason="无")
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN


def test_closing_needs_an_outcome(counter_hall, rep, duty_manager):
    incident = report(counter_hall, rep)
    for step in incident.steps.all():
        services.tick_step(step=step, by=duty_manager)
    with pytest.raises(CounterError, match="outcome"):
        services.close_incident(incident=incident, outcome="  ", by=duty_manager)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN and incident.closed_at is None
    services.close_incident(
        incident=incident, outcome="来电后恢复营业", by=duty_manager, at=AT + timedelta(hours=1)
    )
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED and incident.outcome == "来电后恢复营业"
    assert incident.closed_by == duty_manager and incident.closed_at == AT + timedelta(hours=1)


def test_closing_with_unticked_steps_needs_the_reason_which_is_kept(counter_hall, rep, duty_manager):
    incident = counterfeit(counter_hall, rep)
    first, second, third = incident.steps.order_by("sort")
    services.tick_step(step=first, by=duty_manager)
    with pytest.raises(CounterError, match="not ticked") as refused:
        services.close_incident(incident=incident, outcome="客户更换了钞票", by=duty_manager)
    assert second.text in str(refused.value) and third.text in str(refused.value)
    assert first.text not in str(refused.value)
    services.close_incident(
        incident=incident, outcome="客户更换了钞票", unticked_reason="客户拿回假币，未上缴", by=duty_manager
    )
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
    assert incident.outcome.startswith("客户更换了钞票")
    assert "客户拿回假币，未上缴" in incident.outcome and third.text in incident.outcome


def test_closed_incident_is_read_only(counter_hall, rep, duty_manager):
    incident = report(counter_hall, rep)
    step = incident.steps.first()
    services.tick_step(step=step, by=duty_manager)
    services.close_incident(incident=incident, outcome="已处理", unticked_reason="不需要", by=duty_manager)
    attempts = [
        lambda: services.tick_step(step=incident.steps.exclude(pk=step.pk).first(), by=duty_manager),
        lambda: services.untick_step(step=step, by=duty_manager),
        lambda: services.update_incident(incident=incident, actions="补记", by=duty_manager),
        lambda: services.close_incident(incident=incident, outcome="再次关闭", by=duty_manager),
    ]
    for attempt in attempts:
        with pytest.raises(CounterError, match="closed"):
            attempt()
    incident.refresh_from_db()
    assert incident.actions == "" and incident.outcome.startswith("已处理")
    assert incident.steps.filter(done_at__isnull=False).count() == 1


def test_update_records_actions_and_people(counter_hall, rep, greeter, duty_manager):
    incident = report(counter_hall, rep)
    services.update_incident(
        incident=incident,
        actions="启用应急照明",
        people="物业王师傅",
        staff_involved=[greeter],
        by=duty_manager,
    )
    incident.refresh_from_db()
    assert incident.actions == "启用应急照明" and incident.people == "物业王师傅"
    assert list(incident.staff_involved.all()) == [greeter]
    # Fields not given are left as they are.
    services.update_incident(incident=incident, actions="恢复供电", by=duty_manager)
    incident.refresh_from_db()
    assert incident.people == "物业王师傅" and list(incident.staff_involved.all()) == [greeter]


def test_open_incidents_newest_first_of_this_hall_only(
    counter_hall, other_hall, rep, duty_manager, make_member
):
    from counter.defaults import install_hall_defaults

    install_hall_defaults(other_hall)
    older = report(counter_hall, rep, occurred_at=AT - timedelta(hours=2))
    newer = report(counter_hall, rep, kind=IncidentKind.FILMING, occurred_at=AT - timedelta(hours=1))
    closed = report(counter_hall, rep, occurred_at=AT - timedelta(minutes=30))
    services.close_incident(incident=closed, outcome="已处理", unticked_reason="误报", by=duty_manager)
    report(other_hall, make_member(Role.REP, other_hall))
    found = selectors.open_incidents(counter_hall)
    assert found == [newer, older]
    assert found[0].reported_by.display_name == "李娜"


# --- Pages -------------------------------------------------------------------------------------------


def site_url(hall, rest=""):
    return f"/halls/{hall.pk}/site/{rest}"


@pytest.mark.parametrize(
    ("role", "checklists", "forms", "all_incidents"),
    [
        (Role.REP, False, False, False),
        (Role.GREETER, False, False, False),
        (Role.AUDITOR, False, False, False),
        (Role.DUTY_MANAGER, True, True, True),
        (Role.SUPERVISOR, True, True, True),
        (Role.FINANCE_AUDITOR, True, False, True),
        (Role.MANAGER, True, False, True),
    ],
)
def test_site_page_shows_each_role_what_it_may_see(
    role, checklists, forms, all_incidents, counter_hall, make_member, greeter, en
):
    user = make_member(role, counter_hall)
    someone_elses = report(counter_hall, greeter, kind=IncidentKind.FILMING, at=timezone.now())
    if role not in (Role.FINANCE_AUDITOR, Role.MANAGER):
        own = report(counter_hall, user, kind=IncidentKind.CUSTOMER_ILL, at=timezone.now())
    response = en(user).get(site_url(counter_hall))
    assert response.status_code == 200
    page = response.content.decode()
    assert ('data-testid="checklist-opening"' in page) == checklists
    assert ('data-testid="recent-runs"' in page) == checklists
    assert ('data-testid="checklist-form-opening"' in page) == forms
    assert (f"/incidents/{someone_elses.pk}/" in page) == all_incidents
    if role not in (Role.FINANCE_AUDITOR, Role.MANAGER):
        assert f"/incidents/{own.pk}/" in page and "Report an incident" in page


def test_site_page_of_another_hall_is_404(counter_hall, other_hall, duty_manager, en):
    client = en(duty_manager)
    assert client.get(site_url(other_hall)).status_code == 404


def test_duty_manager_completes_the_opening_checklist_on_the_page(counter_hall, duty_manager, en):
    client = en(duty_manager)
    items = list(ChecklistItem.objects.filter(hall=counter_hall, kind=OPENING))
    data = {f"ok_{item.pk}": "1" for item in items}
    data[f"ok_{items[0].pk}"] = "0"
    data[f"note_{items[0].pk}"] = "空调未开"
    data["remarks"] = "已报修空调"
    response = client.post(site_url(counter_hall, "checklists/opening/complete/"), data, follow=True)
    assert response.redirect_chain[-1][0] == site_url(counter_hall)
    run = ChecklistRun.objects.get()
    assert run.kind == OPENING and run.remarks == "已报修空调"
    assert run.answers.get(item=items[0]).note == "空调未开"
    assert run.history.first().history_user == duty_manager
    page = response.content.decode()
    assert 'data-testid="checklist-done"' in page and "Completed by 周强" in page
    assert 'data-testid="checklist-form-opening"' not in page
    assert 'data-testid="checklist-form-closing"' in page
    answers = client.get(site_url(counter_hall, f"checklists/runs/{run.pk}/")).content.decode()
    assert "空调未开" in answers and items[1].text in answers


def test_refused_checklist_keeps_what_was_entered(counter_hall, duty_manager, en):
    client = en(duty_manager)
    items = list(ChecklistItem.objects.filter(hall=counter_hall, kind=OPENING))
    data = {f"ok_{item.pk}": "1" for item in items[1:]}
    data[f"note_{items[1].pk}"] = "已检查"
    data["remarks"] = "备注保留"
    response = client.post(site_url(counter_hall, "checklists/opening/complete/"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "has no answer" in page and items[0].text in page
    assert f'id="ok-{items[1].pk}-1" value="1" required checked' in page
    assert 'value="已检查"' in page and "备注保留" in page
    assert not ChecklistRun.objects.exists()


@pytest.mark.parametrize("role", [Role.REP, Role.FINANCE_AUDITOR, Role.MANAGER])
def test_checklist_cannot_be_completed_without_the_permission(role, counter_hall, make_member, en):
    client = en(make_member(role, counter_hall))
    data = {f"ok_{pk}": "1" for pk in all_ok(counter_hall)}
    assert client.post(site_url(counter_hall, "checklists/opening/complete/"), data).status_code == 403
    assert not ChecklistRun.objects.exists()


def test_rep_reports_an_incident_on_the_page_and_sees_only_their_own(
    counter_hall, rep, greeter, make_member, en
):
    client = en(rep)
    page = client.get(site_url(counter_hall, "incidents/new/"))
    assert page.status_code == 200
    occurred = timezone.localtime(timezone.now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        site_url(counter_hall, "incidents/new/"),
        {
            "kind": IncidentKind.UNCIVIL_CUSTOMER,
            "occurred_at": occurred,
            "description": "客户在3号窗口大声辱骂",
            "people": "男性客户一名",
            "staff_involved": [rep.pk, greeter.pk],
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == site_url(
        counter_hall, f"incidents/{incident.pk}/"
    )
    assert incident.reported_by == rep and set(incident.staff_involved.all()) == {rep, greeter}
    assert timezone.localtime(incident.occurred_at).strftime("%Y-%m-%dT%H:%M") == occurred
    assert incident.history.first().history_user == rep
    detail = client.get(response["Location"]).content.decode()
    assert "客户在3号窗口大声辱骂" in detail and incident.steps.first().text in detail
    assert 'data-testid="close-form"' not in detail and "hx-post" not in detail
    # The rep cannot tick or close; a colleague who did not report it does not see it at all.
    step = incident.steps.first()
    assert (
        client.post(site_url(counter_hall, f"incidents/{incident.pk}/steps/{step.pk}/tick/")).status_code
        == 403
    )
    close = client.post(site_url(counter_hall, f"incidents/{incident.pk}/close/"), {"outcome": "x"})
    assert close.status_code == 403
    other_rep = en(make_member(Role.REP, counter_hall))
    assert other_rep.get(site_url(counter_hall, f"incidents/{incident.pk}/")).status_code == 404
    # Their own report is listed on the report page.
    assert "my-incidents" in client.get(site_url(counter_hall, "incidents/new/")).content.decode()


def test_incident_page_refuses_a_time_in_the_future(counter_hall, rep, en):
    client = en(rep)
    future = timezone.localtime(timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        site_url(counter_hall, "incidents/new/"),
        {"kind": IncidentKind.POWER_OUTAGE, "occurred_at": future, "description": "停电"},
    )
    assert response.status_code == 400 and "in the future" in response.content.decode()
    assert not Incident.objects.exists()


def test_counterfeit_fields_appear_for_the_counterfeit_kind(counter_hall, rep, en):
    client = en(rep)
    url = site_url(counter_hall, "incidents/new/kind/")
    fields = client.get(url, {"kind": IncidentKind.COUNTERFEIT_NOTE}, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="note_serial"' in fields and 'name="note_denomination"' in fields
    assert 'value="0.50"' not in fields and 'value="100.00"' in fields
    assert "记录面额和冠字号" in fields  # the handling steps it will get
    other = client.get(url, {"kind": IncidentKind.MEDIA_INTERVIEW}, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="note_serial"' not in other and "引导记者至接待室" in other


def test_counterfeit_note_is_checked_on_the_server_too(counter_hall, rep, en):
    client = en(rep)
    occurred = timezone.localtime(timezone.now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    data = {"kind": IncidentKind.COUNTERFEIT_NOTE, "occurred_at": occurred, "description": "假币"}
    response = client.post(site_url(counter_hall, "incidents/new/"), {**data, "note_denomination": "100"})
    assert (
        response.status_code == 400 and "serial number of the counterfeit note" in response.content.decode()
    )
    # The re-shown form has the note's fields, with what was typed.
    assert 'name="note_serial"' in response.content.decode()
    coin = client.post(
        site_url(counter_hall, "incidents/new/"),
        {**data, "note_denomination": "0.5", "note_serial": "FA12345678"},
    )
    assert coin.status_code == 400 and "coins are not" in coin.content.decode()
    assert 'value="FA12345678"' in coin.content.decode()
    assert not Incident.objects.exists()
    done = client.post(
        site_url(counter_hall, "incidents/new/"),
        {**data, "note_denomination": "100", "note_serial": "fa12345678"},
    )
    assert done.status_code == 302
    assert Incident.objects.get().note_serial == "FA12345678"


def test_duty_manager_ticks_steps_with_htmx(counter_hall, rep, duty_manager, en):
    incident = report(counter_hall, rep, at=timezone.now())
    step = incident.steps.order_by("sort").first()
    client = en(duty_manager)
    url = site_url(counter_hall, f"incidents/{incident.pk}/steps/{step.pk}/tick/")
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    row = response.content.decode()
    assert row.lstrip().startswith("<li") and "done by 周强" in row and 'aria-pressed="true"' in row
    step.refresh_from_db()
    assert step.done_by == duty_manager
    assert step.history.first().history_user == duty_manager
    # A second tick (a stale page) shows who ticked it, and changes nothing.
    again = client.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert "already ticked by 周强" in again
    untick = client.post(
        site_url(counter_hall, f"incidents/{incident.pk}/steps/{step.pk}/untick/"), HTTP_HX_REQUEST="true"
    )
    assert 'aria-pressed="false"' in untick.content.decode()
    step.refresh_from_db()
    assert step.done_at is None
    # Without htmx the same form posts back to the incident page.
    plain = client.post(url)
    assert plain.status_code == 302 and plain["Location"] == site_url(
        counter_hall, f"incidents/{incident.pk}/"
    )


def test_duty_manager_records_actions_and_closes_on_the_page(counter_hall, rep, greeter, duty_manager, en):
    incident = report(counter_hall, rep, at=timezone.now())
    client = en(duty_manager)
    base = site_url(counter_hall, f"incidents/{incident.pk}/")
    response = client.post(
        base + "update/", {"actions": "启用应急照明", "people": "", "staff_involved": [greeter.pk]}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.actions == "启用应急照明" and list(incident.staff_involved.all()) == [greeter]
    assert incident.history.first().history_user == duty_manager
    refused = client.post(base + "close/", {"outcome": "已恢复"})
    assert refused.status_code == 400 and "not ticked" in refused.content.decode()
    assert 'name="unticked_reason"' in refused.content.decode()
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN
    assert client.post(base + "close/", {"outcome": ""}).status_code == 400
    closed = client.post(base + "close/", {"outcome": "已恢复", "unticked_reason": "停电仅2分钟"})
    assert closed.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
    assert incident.history.first().history_user == duty_manager
    page = client.get(base).content.decode()
    assert 'data-testid="outcome"' in page and "停电仅2分钟" in page
    assert 'data-testid="close-form"' not in page and "hx-post" not in page
    # Read-only now, whatever is posted.
    late = client.post(base + "update/", {"actions": "补记"})
    assert late.status_code == 400 and "it can no longer be changed" in late.content.decode()
    incident.refresh_from_db()
    assert incident.actions == "启用应急照明"


def test_finance_auditor_sees_incidents_but_cannot_change_them(counter_hall, rep, make_member, en):
    incident = report(counter_hall, rep, at=timezone.now())
    step = incident.steps.first()
    client = en(make_member(Role.FINANCE_AUDITOR, counter_hall))
    base = site_url(counter_hall, f"incidents/{incident.pk}/")
    assert client.get(site_url(counter_hall)).status_code == 200
    assert incident.get_kind_display() in client.get(site_url(counter_hall)).content.decode()
    page = client.get(base)
    assert page.status_code == 200 and "hx-post" not in page.content.decode()
    assert client.post(base + f"steps/{step.pk}/tick/").status_code == 403
    assert client.post(base + "update/", {"actions": "x"}).status_code == 403
    assert client.post(base + "close/", {"outcome": "x"}).status_code == 403
    assert client.get(site_url(counter_hall, "incidents/new/")).status_code == 403
    step.refresh_from_db()
    incident.refresh_from_db()
    assert step.done_at is None and incident.status == Incident.Status.OPEN


def test_another_halls_incident_is_404(
    counter_hall, other_hall, rep, duty_manager, make_member, en, root_user
):
    from counter.defaults import install_hall_defaults
    from servicecenter import services as kernel

    install_hall_defaults(other_hall)
    theirs = report(other_hall, make_member(Role.REP, other_hall), at=timezone.now())
    step = theirs.steps.first()
    client = en(duty_manager)
    # Through this hall's URLs, and through the other hall's (where the duty manager has no role).
    for hall in (counter_hall, other_hall):
        base = site_url(hall, f"incidents/{theirs.pk}/")
        assert client.get(base).status_code == 404
        assert client.post(base + f"steps/{step.pk}/tick/").status_code == 404
        assert client.post(base + "close/", {"outcome": "x"}).status_code == 404
    # A step of another incident through this incident's URL is not found either.
    mine = report(counter_hall, rep, at=timezone.now())
    kernel.grant_role(user=duty_manager, role=Role.DUTY_MANAGER, hall=other_hall, by=root_user)
    url = site_url(counter_hall, f"incidents/{mine.pk}/steps/{step.pk}/tick/")
    assert en(duty_manager).post(url).status_code == 404
    step.refresh_from_db()
    assert step.done_at is None


# --- Query counts ------------------------------------------------------------------------------------


def _fill(hall, duty_manager, rep, greeter, *, days, incidents):
    now = timezone.now()
    for d in range(1, days + 1):
        for kind in (OPENING, CLOSING):
            answers = all_ok(hall, kind)
            first = next(iter(answers))
            answers[first] = (False, "待修")
            services.complete_checklist(
                hall=hall, kind=kind, answers=answers, by=duty_manager, at=now - timedelta(days=d)
            )
    for i in range(incidents):
        incident = report(
            hall, rep, at=now, occurred_at=now - timedelta(minutes=i + 1), staff_involved=[rep, greeter]
        )
        services.tick_step(step=incident.steps.first(), by=duty_manager)
        if i % 2:
            services.close_incident(
                incident=incident, outcome="已处理", unticked_reason="无需", by=duty_manager
            )


@pytest.mark.parametrize(("days", "incidents"), [(1, 1), (13, 12)])
def test_site_page_queries_do_not_grow(
    days, incidents, counter_hall, duty_manager, rep, greeter, en, django_assert_max_num_queries
):
    _fill(counter_hall, duty_manager, rep, greeter, days=days, incidents=incidents)
    client = en(duty_manager)
    client.get(site_url(counter_hall))
    with django_assert_max_num_queries(7):
        response = client.get(site_url(counter_hall))
    page = response.content.decode()
    assert page.count('class="table-warning"') == (incidents + 1) // 2
    assert page.count("counter_site_run") == 0 and page.count("/checklists/runs/") == 2 * days


@pytest.mark.parametrize("extra_staff", [0, 8])
def test_incident_page_queries_do_not_grow(
    extra_staff, counter_hall, duty_manager, rep, greeter, en, make_member, django_assert_max_num_queries
):
    staff = [rep, greeter] + [make_member(Role.REP, counter_hall) for _ in range(extra_staff)]
    incident = report(counter_hall, rep, at=timezone.now(), staff_involved=staff)
    for i in range(extra_staff):
        IncidentStep.objects.create(incident=incident, text=f"附加步骤{i}", sort=10 + i)
    for step in incident.steps.all()[: 2 + extra_staff // 2]:
        services.tick_step(step=step, by=duty_manager)
    client = en(duty_manager)
    url = site_url(counter_hall, f"incidents/{incident.pk}/")
    client.get(url)
    with django_assert_max_num_queries(7):
        page = client.get(url).content.decode()
    assert page.count('data-testid="step"') == 4 + extra_staff
    assert page.count('data-testid="step-done"') == 2 + extra_staff // 2
