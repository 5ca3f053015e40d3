"""The site management API: incidents (report, read, tick a step, close) and checklists (list, complete)."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from counter.models import ChecklistItem, ChecklistRun, Incident, IncidentKind
from counter.services import site as services
from servicecenter.roles import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def api():
    """api(user) -> an API client with that user's token, asking for English messages."""

    def make(user):
        client = APIClient()
        token = client.post(
            "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
        )
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
        client.cookies["django_language"] = "en"
        return client

    return make


def moment(delta=timedelta(minutes=-10)) -> str:
    return timezone.localtime(timezone.now() + delta).replace(microsecond=0).isoformat()


def incidents_url(hall, rest=""):
    return f"/api/v1/halls/{hall.pk}/incidents/{rest}"


def checklists_url(hall):
    return f"/api/v1/halls/{hall.pk}/checklists/"


def report(hall, by, kind=IncidentKind.POWER_OUTAGE, **kwargs):
    return services.report_incident(
        hall=hall,
        kind=kind,
        occurred_at=timezone.now() - timedelta(minutes=10),
        description=kwargs.pop("description", "大厅停电"),
        by=by,
        **kwargs,
    )


# --- Incidents ---------------------------------------------------------------------------------------


def test_rep_reports_an_incident_and_gets_its_steps(counter_hall, rep, greeter, api):
    response = api(rep).post(
        incidents_url(counter_hall),
        {
            "kind": "counterfeit_note",
            "occurred_at": moment(),
            "description": "客户递交疑似假币",
            "people": "客户张先生",
            "staff_involved_ids": [rep.pk, greeter.pk],
            "note_denomination": "100.00",
            "note_serial": "fa12345678",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "open" and body["kind"] == "counterfeit_note"
    assert body["note_serial"] == "FA12345678" and body["note_denomination"] == "100.00"
    assert body["reported_by"]["id"] == rep.pk
    assert {p["id"] for p in body["staff_involved"]} == {rep.pk, greeter.pk}
    assert [s["text"] for s in body["steps"]][-1] == "记录面额和冠字号，按规定上缴银行"
    assert all(s["done_at"] is None for s in body["steps"])
    incident = Incident.objects.get(pk=body["id"])
    assert incident.history.first().history_user == rep


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"note_serial": ""}, "serial number"),
        ({"note_denomination": "0.50"}, "coins are not"),
        ({"note_serial": "12345"}, "not a banknote serial"),
        ({"occurred_at": moment(timedelta(hours=1))}, "future"),
    ],
)
def test_bad_counterfeit_report_is_a_400_with_the_reason(fields, message, counter_hall, rep, api):
    data = {
        "kind": "counterfeit_note",
        "occurred_at": moment(),
        "description": "假币",
        "note_denomination": "100",
        "note_serial": "FA12345678",
        **fields,
    }
    response = api(rep).post(incidents_url(counter_hall), data, format="json")
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Incident.objects.exists()


def test_report_with_a_moment_without_offset_or_unknown_staff_is_refused(
    counter_hall, other_hall, rep, make_member, api
):
    client = api(rep)
    data = {"kind": "filming", "occurred_at": "2026-11-23T10:00:00", "description": "客户拍摄"}
    assert client.post(incidents_url(counter_hall), data, format="json").status_code == 400
    stranger = make_member(Role.REP, other_hall)
    data = {**data, "occurred_at": moment(), "staff_involved_ids": [stranger.pk]}
    response = client.post(incidents_url(counter_hall), data, format="json")
    assert response.status_code == 400 and "Only staff of this hall" in response.json()["detail"]
    assert not Incident.objects.exists()


def test_reporter_sees_own_incidents_duty_manager_sees_all(counter_hall, rep, greeter, duty_manager, api):
    mine = report(counter_hall, rep)
    theirs = report(counter_hall, greeter, kind=IncidentKind.CUSTOMER_ILL)
    services.close_incident(incident=theirs, outcome="已送医", unticked_reason="家属到场", by=duty_manager)
    as_rep = api(rep).get(incidents_url(counter_hall)).json()
    assert [i["id"] for i in as_rep["results"]] == [mine.pk]
    assert api(rep).get(incidents_url(counter_hall, f"{theirs.pk}/")).status_code == 404
    as_duty = api(duty_manager)
    assert [i["id"] for i in as_duty.get(incidents_url(counter_hall)).json()["results"]] == [
        mine.pk,
        theirs.pk,
    ]
    closed = as_duty.get(incidents_url(counter_hall), {"status": "closed"}).json()["results"]
    assert [i["id"] for i in closed] == [theirs.pk] and closed[0]["closed_by"]["id"] == duty_manager.pk
    assert as_duty.get(incidents_url(counter_hall), {"status": "nope"}).status_code == 400


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        (Role.REP, 200, 403),
        (Role.GREETER, 200, 403),
        (Role.AUDITOR, 200, 403),
        (Role.DUTY_MANAGER, 200, 200),
        (Role.SUPERVISOR, 200, 200),
        (Role.FINANCE_AUDITOR, 200, 403),
        (Role.MANAGER, 200, 403),
    ],
)
def test_who_may_read_tick_and_close(role, read, write, counter_hall, make_member, api):
    user = make_member(role, counter_hall)
    incident = report(counter_hall, user) if role not in (Role.FINANCE_AUDITOR, Role.MANAGER) else None
    if incident is None:
        incident = report(counter_hall, make_member(Role.REP, counter_hall))
    step = incident.steps.first()
    client = api(user)
    assert client.get(incidents_url(counter_hall, f"{incident.pk}/")).status_code == read
    tick = client.post(incidents_url(counter_hall, f"{incident.pk}/steps/{step.pk}/tick/"))
    assert tick.status_code == write
    close = client.post(
        incidents_url(counter_hall, f"{incident.pk}/close/"),
        {"outcome": "已处理", "unticked_reason": "其余步骤不需要"},
        format="json",
    )
    assert close.status_code == write
    incident.refresh_from_db()
    step.refresh_from_db()
    if write == 403:
        assert incident.status == Incident.Status.OPEN and step.done_at is None
    else:
        assert incident.status == Incident.Status.CLOSED and step.done_by == user
        assert incident.history.first().history_user == user
        assert step.history.first().history_user == user


def test_finance_auditor_cannot_report(counter_hall, make_member, api):
    client = api(make_member(Role.FINANCE_AUDITOR, counter_hall))
    data = {"kind": "filming", "occurred_at": moment(), "description": "客户拍摄"}
    assert client.post(incidents_url(counter_hall), data, format="json").status_code == 403
    assert not Incident.objects.exists()


def test_another_halls_incident_is_404(counter_hall, other_hall, rep, duty_manager, make_member, api):
    from counter.defaults import install_hall_defaults

    install_hall_defaults(other_hall)
    theirs = report(other_hall, make_member(Role.REP, other_hall))
    step = theirs.steps.first()
    client = api(duty_manager)
    for hall in (counter_hall, other_hall):
        assert client.get(incidents_url(hall, f"{theirs.pk}/")).status_code == 404
        assert client.post(incidents_url(hall, f"{theirs.pk}/steps/{step.pk}/tick/")).status_code == 404
        close = client.post(incidents_url(hall, f"{theirs.pk}/close/"), {"outcome": "x"}, format="json")
        assert close.status_code == 404
    assert client.get(incidents_url(other_hall)).status_code == 404
    mine = report(counter_hall, rep)
    assert client.post(incidents_url(counter_hall, f"{mine.pk}/steps/{step.pk}/tick/")).status_code == 404
    step.refresh_from_db()
    theirs.refresh_from_db()
    assert step.done_at is None and theirs.status == Incident.Status.OPEN


def test_tick_twice_and_close_without_outcome_or_reason_are_refused(counter_hall, rep, duty_manager, api):
    incident = report(counter_hall, rep)
    first, *others = incident.steps.order_by("sort")
    client = api(duty_manager)
    tick_url = incidents_url(counter_hall, f"{incident.pk}/steps/{first.pk}/tick/")
    ticked = client.post(tick_url)
    assert ticked.status_code == 200
    assert ticked.json()["done_by"]["display_name"] == "周强" and ticked.json()["done_at"]
    again = client.post(tick_url)
    assert again.status_code == 400 and "already ticked by 周强" in again.json()["detail"]
    close_url = incidents_url(counter_hall, f"{incident.pk}/close/")
    assert client.post(close_url, {"outcome": ""}, format="json").status_code == 400
    refused = client.post(close_url, {"outcome": "已恢复供电"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "steps_open"
    assert others[0].text in refused.json()["detail"]
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN
    for step in others:
        assert (
            client.post(incidents_url(counter_hall, f"{incident.pk}/steps/{step.pk}/tick/")).status_code
            == 200
        )
    closed = client.post(close_url, {"outcome": "已恢复供电"}, format="json")
    assert closed.status_code == 200
    body = closed.json()
    assert (
        body["status"] == "closed"
        and body["outcome"] == "已恢复供电"
        and body["closed_by"]["id"] == duty_manager.pk
    )
    # Closed means read-only.
    assert client.post(close_url, {"outcome": "再关一次"}, format="json").status_code == 400
    untick_free = incidents_url(counter_hall, f"{incident.pk}/steps/{first.pk}/tick/")
    assert "closed" in client.post(untick_free).json()["detail"]


@pytest.mark.parametrize("count", [1, 10])
def test_incident_list_queries_do_not_grow(
    count, counter_hall, rep, greeter, duty_manager, api, django_assert_max_num_queries
):
    for _ in range(count):
        incident = report(counter_hall, rep, staff_involved=[rep, greeter])
        services.tick_step(step=incident.steps.first(), by=duty_manager)
    client = api(duty_manager)
    client.get(incidents_url(counter_hall))
    with django_assert_max_num_queries(6):
        body = client.get(incidents_url(counter_hall)).json()
    assert body["count"] == count and all(len(i["staff_involved"]) == 2 for i in body["results"])


# --- Checklists --------------------------------------------------------------------------------------


def answers(hall, kind="opening"):
    return [{"item": item.pk, "ok": True} for item in ChecklistItem.objects.filter(hall=hall, kind=kind)]


def test_duty_manager_completes_a_checklist_and_the_finance_auditor_reads_it(
    counter_hall, duty_manager, make_member, api
):
    data = answers(counter_hall)
    data[0] = {"item": data[0]["item"], "ok": False, "note": "灭火器压力不足"}
    response = api(duty_manager).post(
        checklists_url(counter_hall), {"kind": "opening", "answers": data, "remarks": "已报修"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["completed_by"]["id"] == duty_manager.pk and body["remarks"] == "已报修"
    assert len(body["answers"]) == len(data)
    assert body["answers"][0]["ok"] is False and body["answers"][0]["note"] == "灭火器压力不足"
    assert body["answers"][0]["text"] and body["answers"][0]["section"]
    run = ChecklistRun.objects.get()
    assert run.history.first().history_user == duty_manager
    auditor = api(make_member(Role.FINANCE_AUDITOR, counter_hall))
    listed = auditor.get(checklists_url(counter_hall)).json()
    assert [r["id"] for r in listed["results"]] == [run.pk]
    assert auditor.get(checklists_url(counter_hall), {"kind": "closing"}).json()["results"] == []
    assert (
        auditor.post(
            checklists_url(counter_hall),
            {"kind": "closing", "answers": answers(counter_hall, "closing")},
            format="json",
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a[1:], "has no answer"),
        (lambda a: [{**a[0], "ok": False}, *a[1:]], "note what is wrong"),
        (lambda a: [*a, {"item": 999999, "ok": True}], "not on this checklist"),
    ],
)
def test_bad_checklist_is_a_400_and_saves_nothing(change, message, counter_hall, duty_manager, api):
    response = api(duty_manager).post(
        checklists_url(counter_hall),
        {"kind": "opening", "answers": change(answers(counter_hall))},
        format="json",
    )
    assert response.status_code == 400 and message in response.json()["detail"]
    assert not ChecklistRun.objects.exists()


def test_same_checklist_twice_is_a_400(counter_hall, duty_manager, supervisor, api):
    data = {"kind": "closing", "answers": answers(counter_hall, "closing")}
    assert api(duty_manager).post(checklists_url(counter_hall), data, format="json").status_code == 201
    again = api(supervisor).post(checklists_url(counter_hall), data, format="json")
    assert again.status_code == 400 and "already completed by 周强" in again.json()["detail"]
    duplicate_point = {"kind": "opening", "answers": [*answers(counter_hall), answers(counter_hall)[0]]}
    assert (
        api(supervisor).post(checklists_url(counter_hall), duplicate_point, format="json").status_code == 400
    )
    assert ChecklistRun.objects.count() == 1


@pytest.mark.parametrize(("role", "status"), [(Role.REP, 403), (Role.GREETER, 403), (Role.MANAGER, 200)])
def test_checklists_are_read_by_floor_and_oversight_roles_only(role, status, counter_hall, make_member, api):
    assert api(make_member(role, counter_hall)).get(checklists_url(counter_hall)).status_code == status


def test_checklists_of_another_hall_are_404(counter_hall, other_hall, duty_manager, api):
    client = api(duty_manager)
    assert client.get(checklists_url(other_hall)).status_code == 404
    data = {"kind": "opening", "answers": answers(counter_hall)}
    assert client.post(checklists_url(other_hall), data, format="json").status_code == 404


@pytest.mark.parametrize("days", [1, 6])
def test_checklist_list_queries_do_not_grow(
    days, counter_hall, duty_manager, api, django_assert_max_num_queries
):
    now = timezone.now()
    for d in range(days):
        for kind in ("opening", "closing"):
            services.complete_checklist(
                hall=counter_hall,
                kind=kind,
                answers={a["item"]: (True, "") for a in answers(counter_hall, kind)},
                by=duty_manager,
                at=now - timedelta(days=d),
            )
    client = api(duty_manager)
    client.get(checklists_url(counter_hall))
    with django_assert_max_num_queries(5):
        body = client.get(checklists_url(counter_hall)).json()
    assert body["count"] == 2 * days


def test_duty_manager_records_actions_and_unticks_a_step_through_the_api(
    counter_hall, rep, duty_manager, api
):
    incident = report(counter_hall, rep)
    step = incident.steps.first()
    client = api(duty_manager)
    assert client.post(incidents_url(counter_hall, f"{incident.pk}/steps/{step.pk}/tick/")).status_code == 200
    undone = client.post(incidents_url(counter_hall, f"{incident.pk}/steps/{step.pk}/untick/"))
    assert undone.status_code == 200
    step.refresh_from_db()
    assert step.done_at is None
    updated = client.post(
        incidents_url(counter_hall, f"{incident.pk}/update/"),
        {"actions": "启用应急照明", "staff_involved": [rep.pk]},
        format="json",
    )
    assert updated.status_code == 200
    incident.refresh_from_db()
    assert incident.actions == "启用应急照明" and list(incident.staff_involved.all()) == [rep]
    assert incident.history.first().history_user == duty_manager
    # A rep reported it but may not change it.
    refused = api(rep).post(
        incidents_url(counter_hall, f"{incident.pk}/update/"), {"actions": "x"}, format="json"
    )
    assert refused.status_code == 403
