"""Audit events: written for role changes, kept at least 180 days, never edited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from servicecenter import services
from servicecenter.models import AuditEvent, Membership
from servicecenter.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_purge_keeps_events_inside_the_retention_period(settings):
    settings.AUDIT_RETENTION_DAYS = 180
    now = timezone.now()
    for days in (10, 179, 181, 400):
        services.record_audit_event(
            kind=AuditEvent.Kind.LOGIN, username=f"d{days}", at=now - timedelta(days=days)
        )
    assert services.purge_audit_events(now=now) == 2
    assert sorted(AuditEvent.objects.values_list("username", flat=True)) == ["d10", "d179"]


def test_audit_events_cannot_be_edited_or_deleted_one_by_one():
    event = services.record_audit_event(kind=AuditEvent.Kind.LOGIN, username="x")
    event.username = "y"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_granting_and_revoking_a_role_is_audited_and_keeps_history(
    hall, other_hall, make_member, login, client
):
    supervisor = make_member(Role.SUPERVISOR, hall)
    colleague = make_member(Role.REP, other_hall)  # works for the company in its other hall
    login(supervisor)
    client.post(
        f"/halls/{hall.pk}/staff/",
        {"action": "grant", "grant-username": colleague.username, "grant-role": Role.GREETER},
    )
    membership = Membership.objects.get(user=colleague, hall=hall)
    client.post(f"/halls/{hall.pk}/staff/", {"action": "revoke", "membership": membership.pk})
    assert not Membership.objects.filter(user=colleague, hall=hall).exists()
    kinds = list(
        AuditEvent.objects.filter(subject=colleague.username, actor=supervisor).values_list("kind", flat=True)
    )
    assert sorted(kinds) == [AuditEvent.Kind.ROLE_GRANTED, AuditEvent.Kind.ROLE_REVOKED]
    # django-simple-history keeps both rows, each with the acting user from the request.
    history = Membership.history.filter(user_id=colleague.pk, hall_id=hall.pk).order_by("history_date")
    assert [(h.history_type, h.history_user_id) for h in history] == [
        ("+", supervisor.pk),
        ("-", supervisor.pk),
    ]
    assert not colleague.groups.filter(name=Role.GREETER).exists()
    # The audit log page says it in words: who, what, which role.
    response = client.get(f"/halls/{hall.pk}/audit/", {"kind": "role_granted"})
    rows = [(str(e.get_kind_display()), e.subject, e.detail_display) for e in response.context["page"]]
    assert (("授予角色", colleague.username, "咨询引导")) in rows
    assert all(kind == "授予角色" for kind, _subject, _detail in rows)
    assert "咨询引导" in response.content.decode()


def test_supervisor_cannot_appoint_a_supervisor(hall, make_member, login, client):
    supervisor = make_member(Role.SUPERVISOR, hall)
    colleague = UserFactory()
    login(supervisor)
    response = client.post(
        f"/halls/{hall.pk}/staff/",
        {"action": "grant", "grant-username": colleague.username, "grant-role": Role.SUPERVISOR},
    )
    assert response.status_code == 400
    assert not Membership.objects.filter(user=colleague).exists()
    assert not AuditEvent.objects.filter(
        kind=AuditEvent.Kind.ROLE_GRANTED, subject=colleague.username
    ).exists()


def test_granting_to_an_unknown_username_is_a_form_error(hall, make_member, login, client):
    login(make_member(Role.SUPERVISOR, hall))
    response = client.post(
        f"/halls/{hall.pk}/staff/",
        {"action": "grant", "grant-username": "nobody-here", "grant-role": Role.REP},
    )
    assert response.status_code == 400
    assert "不能在此为该用户名的同事分配角色" in response.content.decode()


def test_granting_the_same_role_twice_is_refused(hall, make_member, root_user):
    rep = make_member(Role.REP, hall)
    with pytest.raises(services.KernelError):
        services.grant_role(user=rep, role=Role.REP, hall=hall, by=root_user)
    assert Membership.objects.filter(user=rep).count() == 1


def test_roles_map_to_groups_with_their_permissions(hall, make_member):
    supervisor = make_member(Role.SUPERVISOR, hall)
    rep = make_member(Role.REP, hall)
    assert supervisor.has_perm("servicecenter.view_auditevent")
    assert not rep.has_perm("servicecenter.view_auditevent")
    assert rep.has_perm("servicecenter.view_hall")


def test_history_of_halls_records_the_admin_who_changed_it(client, root_user, hall):
    client.force_login(root_user)
    response = client.post(
        f"/admin/servicecenter/hall/{hall.pk}/change/",
        {
            "company": hall.company_id,
            "name": hall.name,
            "code": hall.code,
            "cutoff": "03:00",
            "time_zone": "Asia/Shanghai",
            "is_active": "on",
            "statement_open_days": "state",
            "windows-TOTAL_FORMS": "0",
            "windows-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = hall.history.latest()
    assert latest.history_user == root_user and str(latest.cutoff) == "03:00:00"
