"""Nobody sees another hall's data or acts beyond their role (invariant 6)."""

import pytest

from servicecenter.models import Window
from servicecenter.roles import Role
from servicecenter.scoping import halls_for, scope_to_halls

pytestmark = pytest.mark.django_db

HALL_PAGES = ["/halls/{id}/", "/halls/{id}/today/", "/halls/{id}/staff/", "/halls/{id}/audit/"]
HALL_API = ["/api/v1/halls/{id}/", "/api/v1/halls/{id}/business-day/", "/api/v1/halls/{id}/audit-events/"]


@pytest.mark.parametrize("url", HALL_PAGES + HALL_API)
def test_supervisor_of_one_hall_gets_404_on_the_other_halls_pages_and_api(
    url, hall, other_hall, make_member, login
):
    supervisor = make_member(Role.SUPERVISOR, hall)
    client = login(supervisor)
    assert client.get(url.format(id=hall.pk)).status_code == 200
    assert client.get(url.format(id=other_hall.pk)).status_code == 404


@pytest.mark.parametrize("url", HALL_PAGES + HALL_API)
def test_unknown_hall_id_is_404(url, hall, make_member, login):
    client = login(make_member(Role.SUPERVISOR, hall))
    assert client.get(url.format(id=987654)).status_code == 404


@pytest.mark.parametrize(
    ("role", "staff_page", "audit_page"),
    [
        (Role.REP, 403, 403),
        (Role.GREETER, 403, 403),
        (Role.AUDITOR, 200, 403),
        (Role.DUTY_MANAGER, 200, 403),
        (Role.SUPERVISOR, 200, 200),
        (Role.FINANCE_AUDITOR, 200, 200),
    ],
)
def test_each_role_reaches_only_the_pages_it_may(role, staff_page, audit_page, hall, make_member, login):
    client = login(make_member(role, hall))
    assert client.get(f"/halls/{hall.pk}/").status_code == 200
    assert client.get(f"/halls/{hall.pk}/staff/").status_code == staff_page
    assert client.get(f"/halls/{hall.pk}/audit/").status_code == audit_page
    assert client.get(f"/api/v1/halls/{hall.pk}/audit-events/").status_code == audit_page


def test_rep_cannot_grant_roles_even_by_posting(hall, make_member, login):
    rep = make_member(Role.REP, hall)
    client = login(rep)
    response = client.post(
        f"/halls/{hall.pk}/staff/",
        {"action": "grant", "grant-username": rep.username, "grant-role": Role.SUPERVISOR},
    )
    assert response.status_code == 403
    assert set(rep.memberships.values_list("role", flat=True)) == {Role.REP}


def test_manager_reaches_every_hall_of_the_company(hall, other_hall, root_user, login):
    from servicecenter import services
    from tests.factories import HallFactory, UserFactory

    foreign = HallFactory()  # another company
    manager = UserFactory()
    services.grant_role(user=manager, role=Role.MANAGER, company=hall.company, by=root_user)
    assert set(halls_for(manager)) == {hall, other_hall}
    client = login(manager)
    for h in (hall, other_hall):
        assert client.get(f"/halls/{h.pk}/audit/").status_code == 200
    assert client.get(f"/halls/{foreign.pk}/").status_code == 404


def test_scope_to_halls_filters_any_queryset(hall, other_hall, make_member):
    rep = make_member(Role.REP, hall)
    windows = scope_to_halls(Window.objects.all(), rep)
    assert windows.count() == 3
    assert all(w.hall_id == hall.pk for w in windows)


def test_person_in_two_halls_switches_from_the_header(hall, other_hall, make_member, login):
    duty = make_member(Role.DUTY_MANAGER, hall)
    from servicecenter import services
    from servicecenter.models import User

    services.grant_role(
        user=duty, role=Role.DUTY_MANAGER, hall=other_hall, by=User.objects.get(username="root")
    )
    client = login(duty)
    page = client.get(f"/halls/{hall.pk}/").content.decode()
    assert 'name="hall"' in page and other_hall.name in page
    response = client.post("/halls/switch/", {"hall": other_hall.pk})
    assert response.status_code == 302 and response["Location"] == f"/halls/{other_hall.pk}/"
    # The home page now opens in the hall last chosen.
    assert client.get("/")["Location"] == f"/halls/{other_hall.pk}/"


def test_switching_to_a_hall_outside_the_memberships_is_404(hall, other_hall, make_member, login):
    client = login(make_member(Role.REP, hall))
    assert client.post("/halls/switch/", {"hall": other_hall.pk}).status_code == 404
    assert client.post("/halls/switch/", {"hall": "abc"}).status_code == 404
    assert client.get("/")["Location"] == f"/halls/{hall.pk}/"


def test_user_without_any_role_sees_an_explanation_not_a_hall(db, login):
    from tests.factories import UserFactory

    client = login(UserFactory())
    response = client.get("/")
    assert response.status_code == 403
    assert "尚未在任何客服中心担任角色" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, hall):
    for url in ("/", f"/halls/{hall.pk}/", f"/halls/{hall.pk}/staff/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/api/v1/me/").status_code == 403


def test_a_forged_last_hall_cookie_opens_nothing_outside_the_users_halls(
    client, hall, other_hall, make_member, login
):
    login(make_member(Role.REP, hall))
    for forged in (str(other_hall.pk), "abc", "-1", ""):
        client.cookies["sc_hall"] = forged
        assert client.get("/")["Location"] == f"/halls/{hall.pk}/"
