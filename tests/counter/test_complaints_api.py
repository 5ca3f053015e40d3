"""The complaints and ratings API, and the rating device's own endpoints (Authorization: Device <token>)."""

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from counter.models import Complaint, Rating
from counter.services import complaints as services
from counter.services import ratings as rating_services
from servicecenter.roles import Role
from tests.counter import test_complaints as shared

pytestmark = pytest.mark.django_db

# The fixtures the complaint tests define, used here too.
paired_device, receive, serve = shared.paired_device, shared.receive, shared.serve


def api_as(user) -> APIClient:
    """An API client with the user's token (history rows must name the user without a session)."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return api


def device_api(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    return api


def base(hall) -> str:
    return f"/api/v1/halls/{hall.pk}/complaints/"


NEW = {
    "channel": "phone",
    "category": "supply",
    "cause": "business",
    "severity": "high",
    "description": "小区停气两天无人通知",
    "wants": "尽快恢复供气并说明原因",
    "contact_phone": "13812345678",
}


# --- Complaints -------------------------------------------------------------------------------------------


def test_the_caller_who_receives_a_complaint_owns_it(counter_hall, rep, make_account):
    account = make_account(counter_hall, "1000001")
    response = api_as(rep).post(
        base(counter_hall), {**NEW, "account": account.pk, "is_vip": True}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["owner"]["id"] == rep.pk and body["received_by"]["id"] == rep.pk
    assert body["status"] == "open" and body["is_vip"] and body["account"] == account.pk
    assert body["customer"] == account.holder_id
    assert body["contact_phone"] == "138****5678"
    assert [e["kind"] for e in body["events"]] == ["received"]
    complaint = Complaint.objects.get()
    assert complaint.contact_phone == "13812345678"
    assert complaint.history.first().history_user == rep


def test_receiving_refuses_bad_input_with_a_message(counter_hall, other_hall, rep, make_account):
    foreign = make_account(other_hall, "1000001")  # same company: allowed
    api = api_as(rep)
    for payload in [
        {**NEW, "contact_phone": "123"},
        {**NEW, "channel": "rating_device"},
        {**NEW, "cause": "angry"},
        {**NEW, "description": ""},
        {**NEW, "visit": 999999},
        {**NEW, "reply_due": "tomorrow"},
        {**NEW, "reply_due": "2001-01-01T08:00:00+08:00"},
    ]:
        response = api.post(base(counter_hall), payload, format="json")
        assert response.status_code == 400, payload
        assert response.json()
    assert not Complaint.objects.exists()
    assert api.post(base(counter_hall), {**NEW, "account": foreign.pk}, format="json").status_code == 201


def test_the_list_is_scoped_filtered_and_ordered(counter_hall, other_hall, rep, make_member, receive):
    now = timezone.now()
    plain = receive(rep, at=now)
    vip = receive(rep, is_vip=True, at=now)
    receive(make_member(Role.REP, other_hall), hall=other_hall)
    api = api_as(make_member(Role.FINANCE_AUDITOR, counter_hall))
    body = api.get(base(counter_hall)).json()
    assert [c["number"] for c in body["results"]] == [vip.number, plain.number]
    assert all(c["owner"]["display_name"] == "李娜" for c in body["results"])
    assert api.get(base(counter_hall), {"show": "overdue"}).json()["count"] == 0
    assert api.get(base(counter_hall), {"show": "bogus"}).status_code == 400
    assert api.get(base(other_hall)).status_code == 404
    assert api.get(f"{base(other_hall)}{plain.pk}/").status_code == 404
    assert api.get(f"{base(counter_hall)}{plain.pk}/").json()["number"] == plain.number
    # Read-only roles may look but not receive.
    assert api.post(base(counter_hall), NEW, format="json").status_code == 403


def test_actions_through_the_api_leave_history_with_the_caller(
    counter_hall, rep, duty_manager, supervisor, make_member
):
    colleague = make_member(Role.REP, counter_hall, last_name="赵", first_name="敏")
    created = api_as(rep).post(base(counter_hall), NEW, format="json").json()
    url = f"{base(counter_hall)}{created['id']}/"
    rep_api, duty_api, boss_api = api_as(rep), api_as(duty_manager), api_as(supervisor)

    response = rep_api.post(
        f"{url}escalate/", {"escalated_to": "duty_manager", "note": "需要协调"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "escalated"
    response = duty_api.post(f"{url}hand-over/", {"to_user": colleague.pk, "note": "交给赵敏"}, format="json")
    body = response.json()
    assert body["owner"]["id"] == colleague.pk
    handover = body["events"][-1]
    assert (handover["kind"], handover["from_user"]["id"], handover["to_user"]["id"]) == (
        "handed_over",
        rep.pk,
        colleague.pk,
    )
    assert Complaint.objects.get().history.first().history_user == duty_manager
    # The previous owner may no longer act on it.
    assert (
        rep_api.post(f"{url}resolve/", {"resolution": "x", "closing": "thanks"}, format="json").status_code
        == 403
    )
    colleague_api = api_as(colleague)
    assert colleague_api.post(f"{url}notes/", {"note": "已联系客户"}, format="json").status_code == 200
    response = colleague_api.post(
        f"{url}resolve/", {"resolution": "已恢复供气并致歉", "closing": "apology"}, format="json"
    )
    assert response.json()["status"] == "resolved"
    response = colleague_api.post(f"{url}callback/", {"callback_satisfaction": "satisfied"}, format="json")
    assert response.json()["status"] == "closed"
    assert Complaint.objects.get().history.first().history_user == colleague
    # Major: the supervisor only, even after closing.
    major = {"major_level": "authority", "major_justified": True}
    assert duty_api.post(f"{url}major/", major, format="json").status_code == 403
    response = boss_api.post(f"{url}major/", major, format="json")
    assert response.status_code == 200 and response.json()["major_level"] == "authority"
    assert Complaint.objects.get().history.first().history_user == supervisor
    # Closed: everything else is refused with a message.
    response = colleague_api.post(f"{url}notes/", {"note": "再补充"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "closed"
    kinds = [e["kind"] for e in boss_api.get(url).json()["events"]]
    assert kinds == [
        "received",
        "escalated",
        "handed_over",
        "note",
        "resolved",
        "callback",
        "closed",
        "major",
    ]


def test_hand_over_refuses_an_unknown_colleague(counter_hall, rep, receive):
    complaint = receive(rep)
    url = f"{base(counter_hall)}{complaint.pk}/hand-over/"
    assert api_as(rep).post(url, {"to_user": 999999, "note": "x"}, format="json").status_code == 400
    assert api_as(rep).post(url, {"to_user": rep.pk}, format="json").status_code == 400
    complaint.refresh_from_db()
    assert complaint.owner == rep


def test_the_duty_manager_takes_a_draft_through_the_api(
    counter_hall, rep, duty_manager, serve, paired_device
):
    device, _token = paired_device()
    rating = rating_services.submit_rating(device=device, visit_id=serve(rep).pk, score=1)
    url = f"{base(counter_hall)}{rating.complaint_id}/take/"
    assert api_as(rep).post(url).status_code == 403
    response = api_as(duty_manager).post(url)
    assert response.status_code == 200 and response.json()["owner"]["id"] == duty_manager.pk
    assert api_as(duty_manager).post(url).status_code == 400


# --- Ratings ----------------------------------------------------------------------------------------------


def test_staff_with_view_rating_list_the_halls_ratings(
    counter_hall, other_hall, rep, make_member, serve, paired_device
):
    device, _token = paired_device()
    visit = serve(rep, end=True)
    rating_services.submit_rating(device=device, visit_id=visit.pk, score=2)
    api = api_as(make_member(Role.FINANCE_AUDITOR, counter_hall))
    body = api.get(f"/api/v1/halls/{counter_hall.pk}/ratings/").json()
    assert body["count"] == 1
    rating = body["results"][0]
    assert (rating["visit"], rating["score"], rating["rep"]["id"], rating["window"]["number"]) == (
        visit.pk,
        2,
        rep.pk,
        1,
    )
    assert rating["ticket"] == visit.ticket.code
    day = visit.business_day.isoformat()
    assert (
        api.get(f"/api/v1/halls/{counter_hall.pk}/ratings/", {"business_day": day, "score": 1}).json()[
            "count"
        ]
        == 0
    )
    assert api.get(f"/api/v1/halls/{counter_hall.pk}/ratings/", {"score": 9}).status_code == 400
    assert api_as(rep).get(f"/api/v1/halls/{counter_hall.pk}/ratings/").status_code == 403
    outsider = api_as(make_member(Role.SUPERVISOR, other_hall))
    assert outsider.get(f"/api/v1/halls/{counter_hall.pk}/ratings/").status_code == 404


def test_the_device_reads_its_screen_and_rates_with_its_token(counter_hall, rep, paired_device, serve):
    _device, token = paired_device()
    api = device_api(token)
    body = api.get("/api/v1/device/").json()
    assert body["device_state"] == "closed" and body["rep"] is None and body["pending_visit"] is None
    assert body["window"]["number"] == 1 and body["hall"] == counter_hall.name
    visit = serve(rep)
    body = api.get("/api/v1/device/").json()
    assert body["device_state"] == "rating" and body["pending_visit"] == visit.pk
    assert body["rep"] == {"display_name": "李娜", "staff_number": rep.staff_number, "photo_url": None}
    response = api.post("/api/v1/device/ratings/", {"visit": visit.pk, "score": 1}, format="json")
    assert response.status_code == 201
    rating = Rating.objects.get()
    assert rating.complaint_id is not None and response.json()["complaint"] == rating.complaint_id
    again = api.post("/api/v1/device/ratings/", {"visit": visit.pk, "score": 4}, format="json")
    assert again.status_code == 400 and again.json()["detail"]
    assert Rating.objects.count() == 1


def test_the_device_api_refuses_anything_but_an_active_device_token(
    counter_hall, rep, supervisor, paired_device, serve
):
    device, token = paired_device()
    visit = serve(rep)
    rating_services.revoke_device(device=device, by=supervisor)
    for api in (device_api(token), device_api("nonsense"), api_as(rep), APIClient()):
        assert api.get("/api/v1/device/").status_code == 401
        response = api.post("/api/v1/device/ratings/", {"visit": visit.pk, "score": 4}, format="json")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Device"
    assert not Rating.objects.exists()
    # Nor does a device token open the staff API.
    _new_device, new_token = paired_device()
    assert device_api(new_token).get(base(counter_hall)).status_code in (401, 403)


def test_the_schema_documents_the_device_authentication(client, counter_hall, rep, login):
    login(rep)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    scheme = schema["components"]["securitySchemes"]["deviceAuth"]
    assert scheme["type"] == "apiKey" and scheme["name"] == "Authorization"
    assert schema["paths"]["/api/v1/device/ratings/"]["post"]["security"] == [{"deviceAuth": []}]
    for action in ("take", "hand-over", "escalate", "notes", "resolve", "callback", "major"):
        assert f"/api/v1/halls/{{hall_id}}/complaints/{{id}}/{action}/" in schema["paths"]


def test_services_refuse_the_api_callers_without_the_role(counter_hall, make_member, receive, rep):
    greeter_api = api_as(make_member(Role.GREETER, counter_hall))
    complaint = receive(rep)
    url = f"{base(counter_hall)}{complaint.pk}/"
    assert (
        greeter_api.post(
            f"{url}escalate/", {"escalated_to": "supervisor", "note": "x"}, format="json"
        ).status_code
        == 403
    )
    assert greeter_api.post(f"{url}notes/", {"note": "门口客户补充说明"}, format="json").status_code == 200
    services.resolve(complaint=complaint, resolution="已处理", closing="thanks", by=rep)
    assert (
        greeter_api.post(f"{url}callback/", {"callback_satisfaction": "satisfied"}, format="json").status_code
        == 403
    )
