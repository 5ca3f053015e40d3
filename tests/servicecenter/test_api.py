"""The API: /api/v1/me/, tokens, a hall's business day, the schema and its offline Swagger UI."""

import re
import subprocess
import sys

import pytest
from rest_framework.test import APIClient

from servicecenter.roles import Role
from tests.conftest import PASSWORD, ROOT

pytestmark = pytest.mark.django_db


def test_me_lists_the_users_halls_and_roles(client, hall, other_hall, make_member, login, root_user):
    from servicecenter import services

    duty = make_member(Role.DUTY_MANAGER, hall)
    services.grant_role(user=duty, role=Role.GREETER, hall=hall, by=root_user)
    services.grant_role(user=duty, role=Role.DUTY_MANAGER, hall=other_hall, by=root_user)
    login(duty)
    body = client.get("/api/v1/me/").json()
    assert body["user"]["username"] == duty.username
    assert body["user"]["staff_number"] == duty.staff_number
    roles = {h["id"]: h["roles"] for h in body["halls"]}
    assert roles == {hall.pk: ["duty_manager", "greeter"], other_hall.pk: ["duty_manager"]}


def test_token_auth_works_for_the_api_and_not_for_pages(hall, make_member):
    rep = make_member(Role.REP, hall)
    api = APIClient()
    token = api.post("/api/v1/auth/token/", {"username": rep.username, "password": PASSWORD}, format="json")
    assert token.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.get("/api/v1/me/").json()["user"]["username"] == rep.username
    assert api.get(f"/api/v1/halls/{hall.pk}/").json()["hall"]["name"] == hall.name
    # Pages are for people signed in through the sign-in page: a token opens none of them.
    page = api.get(f"/halls/{hall.pk}/")
    assert page.status_code == 302 and page["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "payload",
    [{}, {"username": "x"}, {"password": "y"}, {"username": ["a"], "password": 3}, "not json at all"],
)
def test_malformed_token_request_is_400_with_a_message(db, payload):
    api = APIClient()
    if isinstance(payload, str):
        response = api.generic("POST", "/api/v1/auth/token/", payload, content_type="application/json")
    else:
        response = api.post("/api/v1/auth/token/", payload, format="json")
    assert response.status_code == 400
    assert response.json()


def test_token_request_with_wrong_password_is_400_in_chinese(hall, make_member):
    rep = make_member(Role.REP, hall)
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": rep.username, "password": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "无法使用提供的认证信息登录" in str(response.json())


def test_business_day_api_honours_the_cutoff(hall, make_member, login, client):
    login(make_member(Role.REP, hall))
    response = client.get(f"/api/v1/halls/{hall.pk}/business-day/", {"at": "2026-12-01T03:59:00+08:00"})
    assert response.status_code == 200
    body = response.json()
    assert body["business_day"] == "2026-11-30"
    assert body["starts"].startswith("2026-11-30T04:00:00")
    assert body["ends"].startswith("2026-12-01T04:00:00")


@pytest.mark.parametrize(
    "at",
    ["yesterday", "2026-13-45T00:00:00+08:00", "12:00", "", "2026-11-23T08:00:00", "2026-11-23T08:00+08:00"],
)
def test_business_day_api_rejects_a_malformed_moment(at, hall, make_member, login, client):
    login(make_member(Role.REP, hall))
    response = client.get(f"/api/v1/halls/{hall.pk}/business-day/", {"at": at})
    assert response.status_code == 400
    assert "at" in response.json()


def test_business_day_api_explains_that_the_offset_is_needed(hall, make_member, login, client):
    login(make_member(Role.REP, hall))
    response = client.get(f"/api/v1/halls/{hall.pk}/business-day/", {"at": "2026-11-23T08:00:00"})
    assert "UTC 偏移" in response.json()["at"][0]


def test_api_errors_are_json_even_for_urls_that_do_not_exist(hall, make_member, login, client):
    login(make_member(Role.REP, hall))
    for url in ("/api/v1/halls/-1/", "/api/v1/nothing-here/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_audit_events_api_filters_by_kind_and_rejects_unknown_kinds(hall, make_member, login, client):
    supervisor = make_member(Role.SUPERVISOR, hall)
    login(supervisor)
    logins = client.get(f"/api/v1/halls/{hall.pk}/audit-events/", {"kind": "login"}).json()
    assert logins["count"] == 1 and logins["results"][0]["username"] == supervisor.username
    assert client.get(f"/api/v1/halls/{hall.pk}/audit-events/", {"kind": "bogus"}).status_code == 400


def test_hall_detail_shows_windows_and_staff(hall, make_member, login, client):
    rep = make_member(Role.REP, hall)
    login(rep)
    body = client.get(f"/api/v1/halls/{hall.pk}/").json()
    assert [w["number"] for w in body["windows"]] == [1, 2, 3]
    reps = next(group for group in body["staff"] if group["role"] == "rep")
    assert [m["display_name"] for m in reps["members"]] == [rep.display_name]


def test_schema_generates_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--fail-on-warn", "--validate", "--file", "/dev/null"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr and "Error" not in result.stderr


def test_schema_endpoint_describes_the_api(client, hall, make_member, login):
    login(make_member(Role.REP, hall))
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/v1/me/", "/api/v1/auth/token/", "/api/v1/halls/{hall_id}/business-day/"):
        assert path in schema["paths"]


def test_swagger_ui_is_served_without_any_cdn(client, hall, make_member, login):
    login(make_member(Role.SUPERVISOR, hall))
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    external = [
        u for u in re.findall(r'(?:src|href)="([^"]+)"', page) if u.startswith(("http:", "https:", "//"))
    ]
    assert external == []


@pytest.mark.parametrize(
    "query", ["limit=abc", "limit=0", "offset=10000000000", "offset=-1", "offset=x", "limit=%C3%9E"]
)
def test_a_bad_page_size_or_offset_is_refused(hall, make_member, login, client, query):
    login(make_member(Role.SUPERVISOR, hall))
    response = client.get(f"/api/v1/halls/{hall.pk}/audit-events/?{query}")
    assert response.status_code == 400
    assert client.get(f"/api/v1/halls/{hall.pk}/audit-events/?limit=5&offset=0").status_code == 200
