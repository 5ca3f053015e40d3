"""The supervisor's staff page: unlocking a locked-out colleague, resetting a forgotten password."""

import pytest
from django.test import Client

from servicecenter.models import AuditEvent
from servicecenter.roles import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def lock_out(user):
    c = Client()
    for _ in range(5):
        c.post("/login/", {"username": user.username, "password": "wrong"})
    assert c.post("/login/", {"username": user.username, "password": PASSWORD}).status_code == 429


def test_supervisor_sees_a_locked_colleague_and_unlocks_them(hall, make_member, login, client):
    supervisor = make_member(Role.SUPERVISOR, hall)
    rep = make_member(Role.REP, hall)
    lock_out(rep)
    login(supervisor)
    page = client.get(f"/halls/{hall.pk}/staff/").content.decode()
    assert page.count('data-testid="locked"') == 1
    response = client.post(f"/halls/{hall.pk}/staff/", {"action": "unlock", "user": rep.pk}, follow=True)
    assert "可以重新登录" in response.content.decode()
    assert 'data-testid="locked"' not in response.content.decode()
    assert Client().post("/login/", {"username": rep.username, "password": PASSWORD}).status_code == 302
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ACCOUNT_UNLOCKED, subject=rep.username).exists()


def test_reset_password_gives_a_temporary_one_that_must_be_changed(hall, make_member, login, client):
    supervisor = make_member(Role.SUPERVISOR, hall)
    rep = make_member(Role.REP, hall)
    lock_out(rep)
    login(supervisor)
    response = client.post(
        f"/halls/{hall.pk}/staff/", {"action": "reset_password", "user": rep.pk, "password": "Temp-9931-gas"}
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.must_change_password
    fresh = Client()
    # The reset also lifts the lockout; the old password no longer works, the temporary one does.
    assert fresh.post("/login/", {"username": rep.username, "password": PASSWORD}).status_code == 200
    assert fresh.post("/login/", {"username": rep.username, "password": "Temp-9931-gas"}).status_code == 302
    assert fresh.get(f"/halls/{hall.pk}/")["Location"] == "/password/"


def test_weak_temporary_password_is_refused_with_the_reason(hall, make_member, login, client):
    supervisor = make_member(Role.SUPERVISOR, hall)
    rep = make_member(Role.REP, hall)
    login(supervisor)
    response = client.post(
        f"/halls/{hall.pk}/staff/", {"action": "reset_password", "user": rep.pk, "password": "123"}
    )
    assert response.status_code == 400
    assert "密码" in response.content.decode()
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD) and not rep.must_change_password


def test_supervisor_cannot_reset_another_supervisors_password(hall, make_member, login, client):
    supervisor = make_member(Role.SUPERVISOR, hall)
    peer = make_member(Role.SUPERVISOR, hall)
    login(supervisor)
    response = client.post(
        f"/halls/{hall.pk}/staff/", {"action": "reset_password", "user": peer.pk, "password": "Temp-9931-gas"}
    )
    assert response.status_code == 400
    peer.refresh_from_db()
    assert peer.check_password(PASSWORD)


def test_colleague_of_another_hall_is_out_of_reach(hall, other_hall, make_member, login, client):
    supervisor = make_member(Role.SUPERVISOR, hall)
    stranger = make_member(Role.REP, other_hall)
    login(supervisor)
    for action in ("unlock", "reset_password"):
        response = client.post(
            f"/halls/{hall.pk}/staff/", {"action": action, "user": stranger.pk, "password": "Temp-9931-gas"}
        )
        assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.check_password(PASSWORD)


def test_auditor_may_look_but_not_change(hall, make_member, login, client):
    auditor = make_member(Role.AUDITOR, hall)
    rep = make_member(Role.REP, hall)
    login(auditor)
    page = client.get(f"/halls/{hall.pk}/staff/").content.decode()
    assert rep.username in page and 'name="action"' not in page
    response = client.post(f"/halls/{hall.pk}/staff/", {"action": "unlock", "user": rep.pk})
    assert response.status_code == 403


def test_staff_page_query_budget(hall, make_member, login, client, django_assert_max_num_queries):
    login(make_member(Role.SUPERVISOR, hall))
    for _ in range(15):
        make_member(Role.REP, hall)
    with django_assert_max_num_queries(12):
        assert client.get(f"/halls/{hall.pk}/staff/").status_code == 200
