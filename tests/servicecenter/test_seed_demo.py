import pytest
from django.core.management import call_command

from servicecenter.models import Company, Hall, Membership, User, Window
from servicecenter.roles import Role

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        Company.objects.count(),
        list(Hall.objects.order_by("code").values_list("code", "name")),
        Window.objects.count(),
        sorted(Membership.objects.values_list("user__username", "role", "hall__code")),
        User.objects.count(),
    )


def test_seed_demo_makes_a_user_for_each_role_in_each_hall_and_is_idempotent():
    call_command("seed_demo", verbosity=0)
    first = snapshot()
    call_command("seed_demo", verbosity=0)
    assert snapshot() == first

    assert [name for _code, name in first[1]] == ["城东客服中心", "城西客服中心"]
    for hall in Hall.objects.all():
        assert hall.windows.count() >= 4
        roles = set(Membership.objects.filter(hall=hall).values_list("role", flat=True))
        assert roles == set(Role.values) - {Role.MANAGER}
    manager = Membership.objects.get(role=Role.MANAGER)
    assert manager.hall is None and manager.user.username == "manager"
    # One person works in both halls, to show switching hall.
    assert Membership.objects.filter(user__username="roving.duty").count() == 2


def test_demo_users_sign_in_with_the_documented_password(client, settings):
    call_command("seed_demo", verbosity=0)
    readme = (settings.BASE_DIR / "README.md").read_text()
    assert "`demo-2026`" in readme
    for username in ("east.rep", "west.supervisor", "manager"):
        assert f"`{username}`" in readme
        response = client.post("/login/", {"username": username, "password": "demo-2026"})
        assert response.status_code == 302, username
        client.post("/logout/")


def test_the_demo_manager_finds_the_companys_report_built(client, django_capture_on_commit_callbacks):
    from billing.models import CompanyReport
    from servicecenter.clock import Period

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    built = CompanyReport.objects.filter(state=CompanyReport.State.DONE)
    assert sorted(built.values_list("kind", flat=True)) == ["month", "week"]
    month = built.get(kind="month")
    assert month.payments > 0 and len(month.data["halls"]) == 2
    client.post("/login/", {"username": "manager", "password": "demo-2026"})
    east = Hall.objects.get(name="城东客服中心")
    period = Period(month.kind, month.first).key
    page = client.get(f"/halls/{east.pk}/money/company/month/", {"period": period}).content.decode()
    assert "城东客服中心" in page and "城西客服中心" in page and 'data-testid="halls-side-by-side"' in page
