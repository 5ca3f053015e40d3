"""The counter's API drives the same services as the pages: tickets, posts, calls, visits, businesses,
account lookup — scoped to the user's halls and their role, with clear 4xx errors that change nothing."""

import pytest

from counter.models import Business, Ticket, Visit, WindowPost
from servicecenter.roles import Role
from tests.counter.conftest import ID_NUMBERS


@pytest.fixture
def api(login):
    """api(user) -> a client of its own, signed in as that user."""
    from django.test import Client

    return lambda user: login(user, Client())


def url(hall, path):
    return f"/api/v1/halls/{hall.pk}/{path}"


def test_a_whole_visit_through_the_api(counter_hall, category, make_account, greeter, rep, api):
    account = make_account(counter_hall, "20000001", name="张三")
    g = api(greeter)
    issued = g.post(
        url(counter_hall, "tickets/"), {"category": category("B").pk}, content_type="application/json"
    )
    assert issued.status_code == 201 and issued.json()["code"] == "B001"
    r = api(rep)
    window = counter_hall.windows.get(number=1)
    assert (
        r.post(url(counter_hall, "post/"), {"window": window.pk}, content_type="application/json").status_code
        == 201
    )
    called = r.post(url(counter_hall, "call-next/"))
    assert called.status_code == 200 and called.json()["code"] == "B001" and called.json()["window"] == 1
    ticket_id = called.json()["id"]
    visit = r.post(url(counter_hall, f"tickets/{ticket_id}/visit/")).json()
    r.post(
        url(counter_hall, f"visits/{visit['id']}/account/"),
        {"account": account.pk},
        content_type="application/json",
    )
    types = {t["code"]: t for t in r.get("/api/v1/business-types/").json()}
    transfer_docs = [d["id"] for d in types["transfer"]["documents"]]
    recorded = r.post(
        url(counter_hall, f"visits/{visit['id']}/businesses/"),
        {
            "type": "transfer",
            "data": {
                "new_holder_name": "赵六",
                "new_holder_id_number": ID_NUMBERS[3],
                "new_holder_phone": "13700001111",
                "meter_reading": "12",
            },
            "documents": transfer_docs,
            "complete": True,
        },
        content_type="application/json",
    )
    assert recorded.status_code == 201 and recorded.json()["status"] == "completed"
    account.refresh_from_db()
    assert account.holder.name == "赵六"
    assert Business.objects.get().history.first().history_user == rep
    ended = r.post(url(counter_hall, f"visits/{visit['id']}/end/"))
    assert ended.status_code == 200 and ended.json()["ended_at"]
    assert Ticket.objects.get(pk=ticket_id).status == Ticket.Status.DONE


def test_call_next_on_an_empty_queue_is_a_clear_400(counter_hall, rep, api):
    r = api(rep)
    r.post(
        url(counter_hall, "post/"),
        {"window": counter_hall.windows.first().pk},
        content_type="application/json",
    )
    response = r.post(url(counter_hall, "call-next/"))
    assert response.status_code == 400 and response.json()["code"] == "empty_queue"
    assert response.json()["detail"]


def test_missing_documents_through_the_api_cannot_complete(counter_hall, category, make_account, rep, api):
    account = make_account(counter_hall, "20000001")
    r = api(rep)
    r.post(
        url(counter_hall, "post/"),
        {"window": counter_hall.windows.first().pk},
        content_type="application/json",
    )
    r.post(url(counter_hall, "tickets/"), {"category": category("B").pk}, content_type="application/json")
    ticket = r.post(url(counter_hall, "call-next/")).json()
    visit = r.post(url(counter_hall, f"tickets/{ticket['id']}/visit/")).json()
    r.post(
        url(counter_hall, f"visits/{visit['id']}/account/"),
        {"account": account.pk},
        content_type="application/json",
    )
    body = {
        "type": "closure",
        "data": {"final_meter_reading": "10"},
        "documents": [],
        "complete": True,
    }
    response = r.post(
        url(counter_hall, f"visits/{visit['id']}/businesses/"), body, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "documents_missing"
    assert not Business.objects.exists()
    body["complete"] = False
    response = r.post(
        url(counter_hall, f"visits/{visit['id']}/businesses/"), body, content_type="application/json"
    )
    assert response.json()["status"] == "incomplete"
    business_id = response.json()["id"]
    refused = r.post(
        url(counter_hall, f"businesses/{business_id}/complete/"), {}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert Business.objects.get().status == Business.Status.INCOMPLETE


@pytest.mark.parametrize(
    "body",
    [{"category": "x"}, {"category": 999999}, {}, {"category": None}],
)
def test_bad_ticket_input_is_a_4xx(counter_hall, greeter, api, body):
    response = api(greeter).post(url(counter_hall, "tickets/"), body, content_type="application/json")
    assert response.status_code in (400, 404)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("role", [Role.FINANCE_AUDITOR, Role.AUDITOR])
def test_roles_without_the_right_get_403(counter_hall, category, make_member, api, role):
    client = api(make_member(role, counter_hall))
    response = client.post(
        url(counter_hall, "tickets/"), {"category": category("A").pk}, content_type="application/json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.GREETER, Role.DUTY_MANAGER, Role.FINANCE_AUDITOR])
def test_only_counter_staff_sign_on_and_call(counter_hall, make_member, api, role):
    client = api(make_member(role, counter_hall))
    response = client.post(
        url(counter_hall, "post/"),
        {"window": counter_hall.windows.first().pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert client.post(url(counter_hall, "call-next/")).status_code == 403
    assert not WindowPost.objects.exists()


def test_another_halls_data_is_not_found(counter_hall, other_hall, category, make_account, make_member, api):
    account = make_account(counter_hall, "20000001")
    outsider = api(make_member(Role.SUPERVISOR, other_hall))
    assert outsider.get(url(counter_hall, "tickets/")).status_code == 404
    assert outsider.get(url(counter_hall, f"accounts/{account.pk}/")).status_code == 404
    assert outsider.post(url(counter_hall, "call-next/")).status_code == 404


def test_a_visit_served_by_a_colleague_cannot_be_touched(
    counter_hall, category, make_account, rep, make_member, api
):
    colleague = make_member(Role.REP, counter_hall)
    r = api(rep)
    r.post(
        url(counter_hall, "post/"),
        {"window": counter_hall.windows.first().pk},
        content_type="application/json",
    )
    r.post(url(counter_hall, "tickets/"), {"category": category("A").pk}, content_type="application/json")
    ticket = r.post(url(counter_hall, "call-next/")).json()
    visit = r.post(url(counter_hall, f"tickets/{ticket['id']}/visit/")).json()
    response = api(colleague).post(url(counter_hall, f"visits/{visit['id']}/end/"))
    assert response.status_code == 403
    assert Visit.objects.get(pk=visit["id"]).ended_at is None


def test_duty_manager_acknowledges_an_alert_through_the_api(counter_hall, category, rep, duty_manager, api):
    from counter.models import Rating
    from counter.services import queue as q
    from counter.services import ratings as rating_services
    from counter.services import visits as v

    window = counter_hall.windows.get(number=1)
    device, _token = rating_services.pair_device(
        hall=counter_hall, window=window, name="评价器", by=duty_manager
    )
    q.open_post(hall=counter_hall, window=window, user=rep)
    q.issue_ticket(hall=counter_hall, category=category("C"))
    ticket = q.call_next(user=rep, hall=counter_hall)
    visit = v.start_visit(user=rep, hall=counter_hall, ticket_id=ticket.pk)
    v.request_rating(user=rep, hall=counter_hall, visit_id=visit.pk)
    rating = rating_services.submit_rating(device=device, visit_id=visit.pk, score=Rating.Score.DISSATISFIED)
    assert api(rep).post(url(counter_hall, f"ratings/{rating.pk}/acknowledge/")).status_code == 403
    response = api(duty_manager).post(url(counter_hall, f"ratings/{rating.pk}/acknowledge/"))
    assert response.status_code == 200 and response.json()["acknowledged_at"]
