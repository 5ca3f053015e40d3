"""Each role's home page shows the hall today: business day, windows, who works here and who signed in."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from servicecenter import selectors, services
from servicecenter.models import AuditEvent
from servicecenter.roles import Role

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_signed_in_means_during_this_business_day_including_after_midnight(hall, make_member):
    early = make_member(Role.REP, hall)
    night = make_member(Role.REP, hall)
    yesterday = make_member(Role.REP, hall)
    services.record_audit_event(
        kind=AuditEvent.Kind.LOGIN, actor=early, at=datetime(2026, 11, 23, 8, 10, tzinfo=SH)
    )
    services.record_audit_event(
        kind=AuditEvent.Kind.LOGIN, actor=night, at=datetime(2026, 11, 24, 0, 40, tzinfo=SH)
    )
    services.record_audit_event(
        kind=AuditEvent.Kind.LOGIN, actor=yesterday, at=datetime(2026, 11, 23, 3, 50, tzinfo=SH)
    )
    today = selectors.hall_today(hall, at=datetime(2026, 11, 24, 1, 0, tzinfo=SH))
    assert str(today.business_day) == "2026-11-23"
    assert today.signed_in == {early.pk, night.pk}


def test_home_lists_windows_and_staff_by_role(client, hall, make_member, login):
    rep = make_member(Role.REP, hall, last_name="张", first_name="伟")
    make_member(Role.SUPERVISOR, hall, last_name="刘", first_name="洋")
    login(rep)
    page = client.get(f"/halls/{hall.pk}/").content.decode()
    assert "1号窗口" in page and "3号窗口" in page
    assert "客服代表" in page and "张伟" in page and "客服中心主管" in page and "刘洋" in page
    assert page.count('data-testid="signed-in"') == 1  # the rep who just signed in


def test_supervisor_home_shows_recent_security_events_rep_home_does_not(client, hall, make_member, login):
    rep = make_member(Role.REP, hall)
    supervisor = make_member(Role.SUPERVISOR, hall)
    client.post("/login/", {"username": rep.username, "password": "wrong"})
    login(supervisor)
    page = client.get(f"/halls/{hall.pk}/").content.decode()
    assert 'data-testid="recent-events"' in page and "登录失败" in page
    client.post("/logout/")
    login(rep)
    assert 'data-testid="recent-events"' not in client.get(f"/halls/{hall.pk}/").content.decode()


def test_manager_home_compares_the_companys_halls(client, hall, other_hall, root_user, login, make_member):
    from tests.factories import UserFactory, WindowFactory

    WindowFactory(hall=other_hall, number=1, is_active=False)
    WindowFactory(hall=other_hall, number=2)
    make_member(Role.REP, other_hall)
    make_member(Role.GREETER, other_hall)
    manager = UserFactory()
    services.grant_role(user=manager, role=Role.MANAGER, company=hall.company, by=root_user)
    login(manager)
    response = client.get(f"/halls/{hall.pk}/")
    rows = {h.name: (h.windows_in_service, h.staff_count) for h in response.context["company_halls"]}
    # Staff are the hall's own; the company-wide manager is not counted in each hall.
    assert rows == {hall.name: (3, 0), other_hall.name: (1, 2)}
