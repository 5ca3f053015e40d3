"""Signing in: Chinese pages, lockout after 5 failures, idle timeout, first-login password change, audit."""

import time
from datetime import timedelta

import pytest
from django.test import Client

from servicecenter import services
from servicecenter.models import AuditEvent, User
from servicecenter.roles import Role
from tests.conftest import PASSWORD, idle_for
from tests.factories import HallFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_in_chinese_by_default(client):
    page = client.get("/login/").content.decode()
    assert "登录" in page and "用户名" in page and "密码" in page
    assert '<html lang="zh-hans">' in page


def test_browser_asking_for_english_still_gets_chinese_until_english_is_chosen(client):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page


def test_login_page_in_english_when_chosen(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    page = client.get("/login/").content.decode()
    assert "Sign in" in page and "Username" in page


def test_wrong_password_gets_a_translated_message_and_no_session(client, hall, make_member):
    rep = make_member(Role.REP, hall)
    response = client.post("/login/", {"username": rep.username, "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED)
    assert event.username == rep.username


def test_successful_login_lands_on_the_hall_home_and_is_audited(client, hall, make_member):
    rep = make_member(Role.REP, hall)
    response = client.post("/login/", {"username": rep.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == f"/halls/{hall.pk}/"
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN, actor=rep).count() == 1


def test_lockout_is_five_failures_for_ten_minutes_by_default(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=10) == settings.AXES_COOLOFF_TIME


def test_five_failures_lock_the_account_for_ten_minutes(client, hall, make_member):
    rep = make_member(Role.REP, hall)
    for _ in range(4):
        assert client.post("/login/", {"username": rep.username, "password": "nope"}).status_code == 200
    fifth = client.post("/login/", {"username": rep.username, "password": "nope"})
    assert fifth.status_code == 429
    # Even the right password is refused while locked, with a message that says for how long.
    locked = client.post("/login/", {"username": rep.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "锁定 10 分钟" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOCKED_OUT, username=rep.username).exists()
    # Another colleague at the same address is not locked out.
    other = make_member(Role.REP, hall)
    assert Client().post("/login/", {"username": other.username, "password": PASSWORD}).status_code == 302


def test_lockout_ends_after_the_cool_off(client, hall, make_member, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)  # ten minutes in production; the rule is the same
    rep = make_member(Role.REP, hall)
    for _ in range(5):
        client.post("/login/", {"username": rep.username, "password": "nope"})
    assert client.post("/login/", {"username": rep.username, "password": PASSWORD}).status_code == 429
    time.sleep(1.2)
    assert client.post("/login/", {"username": rep.username, "password": PASSWORD}).status_code == 302


def test_api_token_requests_count_towards_the_lockout(client, hall, make_member):
    rep = make_member(Role.REP, hall)
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"username": rep.username, "password": "nope"})
    response = client.post("/api/v1/auth/token/", {"username": rep.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "锁定" in response.json()["detail"]


def test_idle_session_is_ended_with_a_message(client, hall, make_member, login, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    rep = make_member(Role.REP, hall)
    login(rep)
    assert client.get(f"/halls/{hall.pk}/").status_code == 200
    idle_for(client, 601)
    response = client.get(f"/halls/{hall.pk}/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert "长时间未操作" in response.content.decode()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SESSION_EXPIRED, actor=rep).exists()


def test_a_page_polling_by_itself_does_not_keep_the_session_alive(client, hall, make_member, login, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    login(make_member(Role.REP, hall))
    idle_for(client, 500)
    poll = {"HTTP_HX_REQUEST": "true", "HTTP_X_POLL": "1"}
    assert client.get(f"/halls/{hall.pk}/today/", **poll).status_code == 200
    assert client.session["last_activity"] < time.time() - 499  # not refreshed by the poll
    idle_for(client, 601)
    # Once idle too long, the next poll sends the whole page to the sign-in page.
    expired = client.get(f"/halls/{hall.pk}/today/", **poll)
    assert expired.status_code == 204
    assert expired["HX-Redirect"] == "/login/"


def test_active_session_is_kept(client, hall, make_member, login, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    login(make_member(Role.REP, hall))
    idle_for(client, 599)
    assert client.get(f"/halls/{hall.pk}/").status_code == 200


def test_account_made_by_a_supervisor_must_change_password_first(client, hall, make_member, login):
    supervisor = make_member(Role.SUPERVISOR, hall)
    login(supervisor)
    response = client.post(
        f"/halls/{hall.pk}/staff/",
        {
            "action": "create",
            "new-username": "newrep",
            "new-last_name": "钱",
            "new-first_name": "多",
            "new-staff_number": "E9001",
            "new-password": "Temp-pass-8842",
            "new-role": Role.REP,
        },
    )
    assert response.status_code == 302
    newcomer = User.objects.get(username="newrep")
    assert newcomer.must_change_password
    assert newcomer.memberships.get().role == Role.REP

    fresh = Client()
    assert fresh.post("/login/", {"username": "newrep", "password": "Temp-pass-8842"}).status_code == 302
    # Every page sends the newcomer to the password change until it is done; the API refuses.
    assert fresh.get(f"/halls/{hall.pk}/")["Location"] == "/password/"
    assert fresh.get("/api/v1/me/").status_code == 403
    weak = fresh.post(
        "/password/",
        {"old_password": "Temp-pass-8842", "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 400
    assert "密码" in weak.content.decode()
    done = fresh.post(
        "/password/",
        {
            "old_password": "Temp-pass-8842",
            "new_password1": "Gas-hall-0817x",
            "new_password2": "Gas-hall-0817x",
        },
    )
    assert done.status_code == 302
    newcomer.refresh_from_db()
    assert not newcomer.must_change_password
    assert fresh.get(f"/halls/{hall.pk}/").status_code == 200
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_CHANGED, actor=newcomer).exists()


def test_account_made_in_the_admin_must_change_password(client, root_user):
    client.force_login(root_user)
    response = client.post(
        "/admin/servicecenter/user/add/",
        {
            "username": "adminmade",
            "last_name": "孔",
            "first_name": "明",
            "staff_number": "A1",
            "password1": "Xy-7-strong-pw",
            "password2": "Xy-7-strong-pw",
            "usable_password": "true",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(username="adminmade").must_change_password
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.USER_CREATED, subject="adminmade").exists()


def test_logout_is_post_only_and_audited(client, hall, make_member, login):
    rep = make_member(Role.REP, hall)
    login(rep)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGOUT, actor=rep).exists()
    assert client.get(f"/halls/{hall.pk}/").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_login_page_query_budget(client, hall, make_member, django_assert_max_num_queries):
    # Outside a test transaction, as in production: no savepoints are counted.
    rep = make_member(Role.REP, hall)
    with django_assert_max_num_queries(10):
        assert client.get("/login/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.post("/login/", {"username": rep.username, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.MANAGER])
def test_home_page_query_budget_for_every_role(
    role, client, hall, other_hall, make_member, login, django_assert_max_num_queries
):
    user = make_member(role, hall)
    for n in range(10):  # more data must not mean more queries
        make_member(Role.REP, hall)
    login(user)
    with django_assert_max_num_queries(10):  # the first visit, which also remembers the hall in the session
        assert client.get(f"/halls/{hall.pk}/").status_code == 200
    with django_assert_max_num_queries(10):
        response = client.get(f"/halls/{hall.pk}/")
    assert response.status_code == 200


def test_managers_home_page_query_budget(
    client, hall, other_hall, root_user, make_member, login, django_assert_max_num_queries
):
    manager = UserFactory()
    services.grant_role(user=manager, role=Role.MANAGER, company=hall.company, by=root_user)
    for _ in range(5):
        HallFactory(company=hall.company)
        make_member(Role.REP, hall)
    login(manager)
    with django_assert_max_num_queries(10):  # the first visit, which also remembers the hall in the session
        client.get(f"/halls/{hall.pk}/")
    with django_assert_max_num_queries(10):
        response = client.get(f"/halls/{hall.pk}/")
    assert len(response.context["company_halls"]) == 7


def test_audit_log_page_query_budget(client, hall, make_member, login, django_assert_max_num_queries):
    supervisor = make_member(Role.SUPERVISOR, hall)
    login(supervisor)
    for _ in range(60):
        services.record_audit_event(kind=AuditEvent.Kind.LOGIN, actor=supervisor)
    with django_assert_max_num_queries(10):
        response = client.get(f"/halls/{hall.pk}/audit/")
    assert len(response.context["page"]) == 50
