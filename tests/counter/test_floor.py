"""The duty manager's floor view: who is at which window, the queues, today's figures — live and cheap."""

import pytest

from counter.services import queue as q
from counter.services import visits as v
from servicecenter.roles import Role


def _busy_hall(hall, category, make_member, tickets: int):
    reps = [make_member(Role.REP, hall, last_name="窗", first_name=str(n)) for n in (1, 2)]
    for n, rep in enumerate(reps, start=1):
        q.open_post(hall=hall, window=hall.windows.get(number=n), user=rep)
    for i in range(tickets):
        q.issue_ticket(hall=hall, category=category("A" if i % 2 else "B"), priority=i % 7 == 0)
    ticket = q.call_next(user=reps[0], hall=hall)
    v.start_visit(user=reps[0], hall=hall, ticket_id=ticket.pk)
    q.call_next(user=reps[1], hall=hall)
    return reps


def test_floor_shows_windows_reps_and_queues(counter_hall, category, make_member, duty_manager, login):
    reps = _busy_hall(counter_hall, category, make_member, tickets=6)
    page = login(duty_manager).get(f"/halls/{counter_hall.pk}/floor/").content.decode()
    assert reps[0].display_name in page and reps[1].display_name in page
    live = login(duty_manager).get(f"/halls/{counter_hall.pk}/floor/live/").content.decode()
    # 6 issued, 2 called: 4 wait, 2 in each queue.
    assert 'data-testid="floor-waiting-A">2<' in live and 'data-testid="floor-waiting-B">2<' in live


@pytest.mark.parametrize("tickets", [5, 120])
def test_floor_costs_the_same_whatever_the_queue(
    counter_hall, category, make_member, duty_manager, login, tickets, django_assert_max_num_queries
):
    _busy_hall(counter_hall, category, make_member, tickets=tickets)
    client = login(duty_manager)
    with django_assert_max_num_queries(16):
        assert client.get(f"/halls/{counter_hall.pk}/floor/live/").status_code == 200


@pytest.mark.parametrize("role", [Role.REP, Role.GREETER, Role.AUDITOR, Role.FINANCE_AUDITOR])
def test_floor_is_for_duty_managers_supervisors_and_managers(counter_hall, make_member, login, role):
    assert login(make_member(role, counter_hall)).get(f"/halls/{counter_hall.pk}/floor/").status_code == 403


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.MANAGER])
def test_supervisor_and_manager_watch_the_floor(counter_hall, make_member, login, role):
    assert login(make_member(role, counter_hall)).get(f"/halls/{counter_hall.pk}/floor/").status_code == 200


def test_another_halls_floor_is_not_found(counter_hall, other_hall, make_member, login):
    client = login(make_member(Role.DUTY_MANAGER, other_hall))
    assert client.get(f"/halls/{counter_hall.pk}/floor/").status_code == 404


def test_menu_shows_what_the_role_may_open(counter_hall, rep, duty_manager, login):
    from django.test import Client

    workspace, floor = f'href="/halls/{counter_hall.pk}/counter/"', f'href="/halls/{counter_hall.pk}/floor/"'
    rep_page = login(rep).get(f"/halls/{counter_hall.pk}/").content.decode()
    assert workspace in rep_page and floor not in rep_page
    duty_page = login(duty_manager, Client()).get(f"/halls/{counter_hall.pk}/").content.decode()
    assert floor in duty_page and workspace not in duty_page


def test_home_page_loads_the_counter_panel_by_role(
    counter_hall, category, make_member, supervisor, rep, login
):
    from django.test import Client

    q.issue_ticket(hall=counter_hall, category=category("A"))
    sup = login(supervisor, Client())
    home = sup.get(f"/halls/{counter_hall.pk}/").content.decode()
    assert f'hx-get="/halls/{counter_hall.pk}/counter/summary/"' in home
    panel = sup.get(f"/halls/{counter_hall.pk}/counter/summary/").content.decode()
    assert 'data-testid="attention"' in panel and 'data-testid="my-businesses"' in panel
    mine = login(rep, Client()).get(f"/halls/{counter_hall.pk}/counter/summary/").content.decode()
    assert 'data-testid="my-businesses"' in mine and 'data-testid="attention"' not in mine


def test_acknowledging_an_alert_on_the_floor_comes_back_to_the_floor(
    counter_hall, category, rep, duty_manager, login
):
    from counter.models import Rating
    from counter.services import ratings as rating_services

    window = counter_hall.windows.get(number=1)
    device, _token = rating_services.pair_device(
        hall=counter_hall, window=window, name="评价器", by=duty_manager
    )
    q.open_post(hall=counter_hall, window=window, user=rep)
    q.issue_ticket(hall=counter_hall, category=category("C"))
    visit = v.start_visit(user=rep, hall=counter_hall, ticket_id=q.call_next(user=rep, hall=counter_hall).pk)
    v.request_rating(user=rep, hall=counter_hall, visit_id=visit.pk)
    rating = rating_services.submit_rating(device=device, visit_id=visit.pk, score=Rating.Score.DISSATISFIED)
    client = login(duty_manager)
    live = client.get(f"/halls/{counter_hall.pk}/floor/live/").content.decode()
    assert f'name="next" value="/halls/{counter_hall.pk}/floor/"' in live
    response = client.post(
        f"/halls/{counter_hall.pk}/ratings/{rating.pk}/acknowledge/",
        {"next": f"/halls/{counter_hall.pk}/floor/"},
    )
    assert response.status_code == 302 and response.url == f"/halls/{counter_hall.pk}/floor/"
    rating.refresh_from_db()
    assert rating.acknowledged_by == duty_manager
