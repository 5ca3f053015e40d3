"""Account security across halls: who may take on, reset or unlock whom; tokens; addresses; bad cookies."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from servicecenter import services
from servicecenter.errors import KernelError
from servicecenter.models import AuditEvent, Membership
from servicecenter.roles import Role
from tests.conftest import PASSWORD, idle_for
from tests.factories import HallFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_supervisor_cannot_take_over_a_colleague_who_also_works_elsewhere(
    hall, other_hall, make_member, login
):
    supervisor = make_member(Role.SUPERVISOR, hall)
    west_supervisor = make_member(Role.SUPERVISOR, other_hall)
    west_rep = make_member(Role.REP, other_hall)
    # Giving a colleague of the same company a role here is allowed (covering a counter)...
    services.grant_role(user=west_rep, role=Role.REP, hall=hall, by=supervisor)
    services.grant_role(user=west_supervisor, role=Role.REP, hall=hall, by=supervisor)
    # ...but their account stays with those who supervise them everywhere they work.
    for target in (west_rep, west_supervisor):
        with pytest.raises(KernelError):
            services.reset_password(user=target, new_password="Temp-9931-gas", hall=hall, by=supervisor)
        with pytest.raises(KernelError):
            services.unlock_account(user=target, hall=hall, by=supervisor)
        target.refresh_from_db()
        assert target.check_password(PASSWORD) and not target.must_change_password


def test_nobody_from_another_company_can_be_given_a_role(hall, make_member):
    supervisor = make_member(Role.SUPERVISOR, hall)
    foreign_rep = make_member(Role.REP, HallFactory())
    with pytest.raises(KernelError):
        services.grant_role(user=foreign_rep, role=Role.REP, hall=hall, by=supervisor)
    assert not Membership.objects.filter(user=foreign_rep, hall=hall).exists()


def test_administrators_cannot_be_given_a_role_or_reset_by_a_supervisor(hall, make_member, root_user):
    supervisor = make_member(Role.SUPERVISOR, hall)
    staff = UserFactory(is_staff=True)
    for target in (staff, root_user):
        with pytest.raises(KernelError):
            services.grant_role(user=target, role=Role.REP, hall=hall, by=supervisor)


def test_supervisor_cannot_appoint_a_supervisor_even_through_the_service(hall, make_member):
    supervisor = make_member(Role.SUPERVISOR, hall)
    colleague = UserFactory()
    with pytest.raises(KernelError) as refused:
        services.grant_role(user=colleague, role=Role.SUPERVISOR, hall=hall, by=supervisor)
    assert refused.value.code == "forbidden"
    assert not Membership.objects.filter(user=colleague).exists()


def test_unknown_and_unreachable_usernames_get_the_same_answer(hall, make_member, login, client):
    login(make_member(Role.SUPERVISOR, hall))
    foreign = make_member(Role.REP, HallFactory())
    answers = set()
    for username in ("nobody-here", foreign.username):
        response = client.post(
            f"/halls/{hall.pk}/staff/",
            {"action": "grant", "grant-username": username, "grant-role": Role.REP},
        )
        assert response.status_code == 400
        answers.add("不能在此为该用户名的同事分配角色" in response.content.decode())
    assert answers == {True}


def test_a_bogus_token_header_does_not_save_an_idle_session(client, hall, make_member, login, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    login(make_member(Role.REP, hall))
    idle_for(client, 601)
    response = client.get(f"/halls/{hall.pk}/", HTTP_AUTHORIZATION="Token bogus")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_password_reset_ends_the_api_tokens(hall, make_member):
    supervisor = make_member(Role.SUPERVISOR, hall)
    rep = make_member(Role.REP, hall)
    api = APIClient()
    key = api.post("/api/v1/auth/token/", {"username": rep.username, "password": PASSWORD}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 200
    services.reset_password(user=rep, new_password="Temp-9931-gas", hall=hall, by=supervisor)
    assert api.get("/api/v1/me/").status_code in (401, 403)
    # With the temporary password no token is given until the password is changed.
    again = APIClient().post("/api/v1/auth/token/", {"username": rep.username, "password": "Temp-9931-gas"})
    assert again.status_code == 403


def test_an_administrators_password_reset_in_the_admin_is_temporary_and_ends_tokens(
    client, root_user, hall, make_member
):
    rep = make_member(Role.REP, hall)
    token = services.issue_api_token(user=rep, ip_address=None)
    client.force_login(root_user)
    response = client.post(
        f"/admin/servicecenter/user/{rep.pk}/password/",
        {"password1": "Adm-reset-7731", "password2": "Adm-reset-7731", "usable_password": "true"},
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.must_change_password and rep.check_password("Adm-reset-7731")
    assert not type(token).objects.filter(user=rep).exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_RESET, subject=rep.username).exists()


def test_token_sign_ins_are_audited(hall, make_member):
    rep = make_member(Role.REP, hall)
    APIClient().post("/api/v1/auth/token/", {"username": rep.username, "password": PASSWORD})
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN, actor=rep)
    assert event.detail == {"via": "api"}


def test_one_address_failing_with_many_usernames_is_refused(client, hall, make_member, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 6
    rep = make_member(Role.REP, hall)
    for n in range(6):
        client.post("/login/", {"username": f"guess{n}", "password": "x"}, REMOTE_ADDR="10.9.9.9")
    blocked = client.post("/login/", {"username": rep.username, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert blocked.status_code == 429
    assert "这台电脑登录失败次数过多" in blocked.content.decode()
    before = AuditEvent.objects.count()
    client.post("/login/", {"username": "guess-more", "password": "x"}, REMOTE_ADDR="10.9.9.9")
    assert AuditEvent.objects.count() == before  # refused before trying: nothing more is written
    # Another counter PC signs in as usual.
    other = Client(REMOTE_ADDR="10.9.9.10")
    assert other.post("/login/", {"username": rep.username, "password": PASSWORD}).status_code == 302
    assert (
        APIClient(REMOTE_ADDR="10.9.9.9")
        .post("/api/v1/auth/token/", {"username": "a", "password": "b"})
        .status_code
        == 429
    )


def test_behind_the_proxy_the_audit_records_the_clients_address(client, hall, make_member, settings):
    settings.USE_X_FORWARDED_FOR = True
    rep = make_member(Role.REP, hall)
    client.post(
        "/login/",
        {"username": rep.username, "password": PASSWORD},
        REMOTE_ADDR="172.18.0.1",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 192.168.10.23",  # the first part is the client's own claim
    )
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN, actor=rep).ip_address == "192.168.10.23"


@pytest.mark.parametrize("cookie", ["fr", "de", "xx", "en-gb", ""])
def test_an_odd_language_cookie_falls_back_to_chinese(client, cookie):
    client.cookies["django_language"] = cookie
    response = client.get("/login/")
    assert response.status_code == 200
    lang = 'lang="en"' if cookie == "en-gb" else 'lang="zh-hans"'
    assert lang in response.content.decode()


@pytest.mark.parametrize("membership", ["abc", "", "1.5", "99999"])
def test_revoking_a_malformed_or_unknown_membership_is_404(membership, hall, make_member, login, client):
    login(make_member(Role.SUPERVISOR, hall))
    response = client.post(f"/halls/{hall.pk}/staff/", {"action": "revoke", "membership": membership})
    assert response.status_code == 404


def test_a_hall_with_an_unknown_time_zone_is_refused_in_the_admin(client, root_user, hall):
    client.force_login(root_user)
    form = {"company": hall.company_id, "name": hall.name, "code": hall.code, "cutoff": "04:00"}
    form |= {"time_zone": "Asia/Shanghia", "is_active": "on"}
    form |= {"windows-TOTAL_FORMS": "0", "windows-INITIAL_FORMS": "0"}
    response = client.post(f"/admin/servicecenter/hall/{hall.pk}/change/", form)
    assert response.status_code == 200
    assert "Asia/Shanghia" in response.content.decode()
    hall.refresh_from_db()
    assert hall.time_zone == "Asia/Shanghai"


def test_a_colleague_who_supervises_a_closed_hall_is_still_out_of_reach(hall, make_member, root_user):
    supervisor = make_member(Role.SUPERVISOR, hall)
    closed = HallFactory(company=hall.company, is_active=False)
    boss_elsewhere = UserFactory()
    services.grant_role(user=boss_elsewhere, role=Role.SUPERVISOR, hall=closed, by=root_user)
    services.grant_role(user=boss_elsewhere, role=Role.REP, hall=hall, by=root_user)
    with pytest.raises(KernelError):
        services.reset_password(user=boss_elsewhere, new_password="Temp-9931-gas", hall=hall, by=supervisor)


def test_an_account_without_any_role_is_given_its_first_one_only_by_an_administrator(
    hall, make_member, root_user
):
    supervisor = make_member(Role.SUPERVISOR, hall)
    former = make_member(Role.REP, HallFactory())  # worked for another company, roles since taken away
    Membership.objects.filter(user=former).delete()
    for account in (former, UserFactory()):
        with pytest.raises(KernelError):
            services.grant_role(user=account, role=Role.REP, hall=hall, by=supervisor)
        services.grant_role(user=account, role=Role.REP, hall=hall, by=root_user)


def test_the_finance_auditors_account_is_the_managers_not_the_supervisors(hall, make_member, root_user):
    supervisor = make_member(Role.SUPERVISOR, hall)
    finance = make_member(Role.FINANCE_AUDITOR, hall)
    with pytest.raises(KernelError):
        services.reset_password(user=finance, new_password="Temp-9931-gas", hall=hall, by=supervisor)
    manager = UserFactory()
    services.grant_role(user=manager, role=Role.MANAGER, company=hall.company, by=root_user)
    services.reset_password(user=finance, new_password="Temp-9931-gas", hall=hall, by=manager)
    finance.refresh_from_db()
    assert finance.must_change_password


@pytest.mark.parametrize("cookie", ["²", "³¹", "9" * 5000, "12abc"])
def test_odd_last_hall_cookies_are_ignored(cookie, client, hall, make_member, login):
    login(make_member(Role.REP, hall))
    client.cookies["sc_hall"] = cookie
    assert client.get("/")["Location"] == f"/halls/{hall.pk}/"


def test_an_enormous_page_size_is_capped(hall, make_member, login, client):
    login(make_member(Role.SUPERVISOR, hall))
    response = client.get(f"/api/v1/halls/{hall.pk}/audit-events/", {"limit": "9" * 20})
    assert response.status_code == 200
    assert len(response.json()["results"]) <= 500


def test_a_blocked_address_cannot_sign_in_to_the_admin_either(client, root_user, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        client.post("/login/", {"username": f"guess{n}", "password": "x"}, REMOTE_ADDR="10.8.8.8")
    admin = Client(REMOTE_ADDR="10.8.8.8")
    response = admin.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 200  # the form again, not a session
    assert "_auth_user_id" not in admin.session


@pytest.mark.parametrize("forwarded", ["unknown", "203.0.113.9:51234", "", " , ", "1.2.3.4, junk"])
def test_junk_forwarded_addresses_fall_back_to_the_peer_address(
    forwarded, client, hall, make_member, settings
):
    settings.USE_X_FORWARDED_FOR = True
    rep = make_member(Role.REP, hall)
    peer = {"REMOTE_ADDR": "172.18.0.1", "HTTP_X_FORWARDED_FOR": forwarded}
    response = client.post("/login/", {"username": rep.username, "password": "wrong"}, **peer)
    assert response.status_code == 200
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED).ip_address == "172.18.0.1"


def test_the_schema_is_closed_to_a_token_whose_owner_must_change_password(hall, make_member):
    rep = make_member(Role.REP, hall)
    token = services.issue_api_token(user=rep, ip_address=None)
    User = type(rep)
    User.objects.filter(pk=rep.pk).update(must_change_password=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/schema/").status_code == 403


def test_admin_refusals_are_messages_not_errors(client, root_user, hall, make_member):
    client.force_login(root_user)
    own = services.grant_role(user=root_user, role=Role.SUPERVISOR, hall=hall, by=root_user)
    rep = make_member(Role.REP, hall)
    response = client.post(
        "/admin/servicecenter/membership/",
        {"action": "revoke_roles", "_selected_action": [own.pk, rep.memberships.get().pk]},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "不能撤销您自己的管理角色" in page
    assert Membership.objects.filter(pk=own.pk).exists() and not rep.memberships.exists()
    inactive = UserFactory(is_active=False)
    added = client.post(
        "/admin/servicecenter/membership/add/",
        {"user": inactive.pk, "role": Role.REP, "hall": hall.pk, "company": hall.company_id},
    )
    assert added.status_code == 200 and "该账号已停用" in added.content.decode()
    assert not Membership.objects.filter(user=inactive).exists()
