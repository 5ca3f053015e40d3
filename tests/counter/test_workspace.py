"""The rep's workspace, driven through its pages: sign on, call, serve, look up, record, end — with constant
query counts whatever the customer's history, history rows carrying the rep, and scope/permission checks."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from counter.models import Business, BusinessType, Ticket, Visit
from counter.services import queue as q
from servicecenter.roles import Role
from tests.counter.conftest import ID_NUMBERS


def act(client, hall, action, **data):
    return client.post(f"/halls/{hall.pk}/counter/act/", {"action": action, **data})


@pytest.fixture
def signed_on(counter_hall, rep, login):
    client = login(rep)
    window = counter_hall.windows.get(number=2)
    response = client.post(f"/halls/{counter_hall.pk}/counter/sign-on/", {"window": window.pk})
    assert response.status_code == 302
    return client


def test_rep_serves_a_customer_through_the_workspace(counter_hall, category, make_account, signed_on, rep):
    client = signed_on
    account = make_account(counter_hall, "20000001", name="张三", bills=["56.80"])
    ticket = q.issue_ticket(hall=counter_hall, category=category("B"))
    act(client, counter_hall, "call_next")
    page = client.get(f"/halls/{counter_hall.pk}/counter/").content.decode()
    assert ticket.code in page and 'data-testid="start-visit"' in page
    act(client, counter_hall, "start", ticket=ticket.pk)
    visit = Visit.objects.get(ticket=ticket)
    page = client.post(f"/halls/{counter_hall.pk}/counter/", {"q": "20000001"}).content.decode()
    assert 'data-testid="attach-20000001"' in page
    act(client, counter_hall, "attach", visit=visit.pk, account=account.pk)
    page = client.get(f"/halls/{counter_hall.pk}/counter/").content.decode()
    assert "¥56.80" in page and "张三" in page
    act(client, counter_hall, "step", visit=visit.pk, step="intent")
    act(client, counter_hall, "step", visit=visit.pk, step="operate", intent="换户主")
    transfer = BusinessType.objects.get(code="transfer")
    form = client.get(f"/halls/{counter_hall.pk}/counter/?type=transfer").content.decode()
    assert "新户主姓名" in form and "房产过户证明" in form
    response = client.post(
        f"/halls/{counter_hall.pk}/counter/visits/{visit.pk}/businesses/",
        {
            "type": "transfer",
            "f_new_holder_name": "赵六",
            "f_new_holder_id_number": ID_NUMBERS[3],
            "f_new_holder_phone": "13700001111",
            "f_meter_reading": "100",
            "documents": [str(d.pk) for d in transfer.documents.all()][:3],
            "missing_note": "下次带齐",
        },
    )
    assert response.status_code == 302
    business = Business.objects.get(visit=visit)
    assert business.status == Business.Status.INCOMPLETE and "下次带齐" in business.missing_documents
    assert business.history.first().history_user == rep
    act(client, counter_hall, "request_rating", visit=visit.pk)
    act(client, counter_hall, "end_visit", visit=visit.pk)
    ticket.refresh_from_db()
    visit.refresh_from_db()
    assert ticket.status == Ticket.Status.DONE and visit.ended_at is not None
    assert visit.history.first().history_user == rep
    assert 'data-testid="call-next"' in client.get(f"/halls/{counter_hall.pk}/counter/").content.decode()


def test_bad_business_input_shows_the_message_and_records_nothing(
    counter_hall, category, make_account, signed_on
):
    client = signed_on
    account = make_account(counter_hall, "20000001")
    ticket = q.issue_ticket(hall=counter_hall, category=category("B"))
    act(client, counter_hall, "call_next")
    act(client, counter_hall, "start", ticket=ticket.pk)
    visit = Visit.objects.get(ticket=ticket)
    act(client, counter_hall, "attach", visit=visit.pk, account=account.pk)
    response = client.post(
        f"/halls/{counter_hall.pk}/counter/visits/{visit.pk}/businesses/",
        {"type": "transfer", "f_new_holder_name": "赵六", "f_new_holder_id_number": "110105194912310021"},
    )
    assert response.status_code == 400
    with translation.override("zh-hans"):
        assert gettext("This resident ID number is not valid: its check digit does not match.") in (
            response.content.decode()
        )
    assert not Business.objects.exists()


def test_calling_an_empty_queue_shows_a_message(counter_hall, signed_on):
    response = act(signed_on, counter_hall, "call_next")
    page = signed_on.get(response.url).content.decode()
    with translation.override("zh-hans"):
        assert gettext("Nobody is waiting.") in page


def _history(account, rep, window, hall, visits: int):
    """`visits` past visits of the account, each with a business (bulk: this is volume, not behaviour)."""
    consultation = BusinessType.objects.get(code="consultation")
    start = timezone.now() - timedelta(days=400)
    rows = Visit.objects.bulk_create(
        Visit(
            hall=hall,
            business_day=(start + timedelta(hours=i)).date(),
            window=window,
            rep=rep,
            account=account,
            customer=account.holder,
            started_at=start + timedelta(hours=i),
            ended_at=start + timedelta(hours=i, minutes=5),
        )
        for i in range(visits)
    )
    Business.objects.bulk_create(
        Business(
            hall=hall,
            number=f"H{account.pk}-{i}",
            visit=visit,
            business_type=consultation,
            account=account,
            status=Business.Status.COMPLETED,
            accepted_at=visit.started_at,
            accepted_by=rep,
        )
        for i, visit in enumerate(rows)
    )


@pytest.mark.parametrize("past_visits", [10, 1000])
def test_workspace_with_a_customer_loaded_stays_within_15_queries(
    counter_hall, category, make_account, signed_on, rep, past_visits, django_assert_max_num_queries
):
    client = signed_on
    account = make_account(counter_hall, "20000001", bills=["10.00", "20.00", "30.00"])
    _history(account, rep, counter_hall.windows.get(number=3), counter_hall, past_visits)
    ticket = q.issue_ticket(hall=counter_hall, category=category("B"))
    act(client, counter_hall, "call_next")
    act(client, counter_hall, "start", ticket=ticket.pk)
    visit = Visit.objects.get(ticket=ticket)
    act(client, counter_hall, "attach", visit=visit.pk, account=account.pk)
    with django_assert_max_num_queries(15):
        page = client.get(f"/halls/{counter_hall.pk}/counter/?type=transfer")
    assert page.status_code == 200
    assert f"({past_visits})" in page.content.decode()


@pytest.mark.parametrize("role", [Role.GREETER, Role.DUTY_MANAGER, Role.FINANCE_AUDITOR, Role.SUPERVISOR])
def test_only_counter_staff_open_the_workspace(counter_hall, make_member, login, role):
    client = login(make_member(role, counter_hall))
    assert client.get(f"/halls/{counter_hall.pk}/counter/").status_code == 403
    assert act(client, counter_hall, "call_next").status_code == 403


def test_auditor_may_cover_a_counter(counter_hall, make_member, login):
    client = login(make_member(Role.AUDITOR, counter_hall))
    assert client.get(f"/halls/{counter_hall.pk}/counter/").status_code == 200


def test_another_halls_workspace_and_tickets_are_not_found(
    counter_hall, other_hall, category, make_member, login
):
    from counter.defaults import install_hall_defaults
    from tests.factories import WindowFactory

    install_hall_defaults(other_hall)
    WindowFactory(hall=other_hall, number=1)
    outsider = make_member(Role.REP, other_hall)
    client = login(outsider)
    assert client.get(f"/halls/{counter_hall.pk}/counter/").status_code == 404
    ticket = q.issue_ticket(hall=counter_hall, category=category("A"))
    client.post(f"/halls/{other_hall.pk}/counter/sign-on/", {"window": other_hall.windows.first().pk})
    # Acting on a ticket of the other hall from one's own hall: it is not at this window.
    act(client, other_hall, "recall", ticket=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.call_count == 0 and ticket.status == Ticket.Status.WAITING
