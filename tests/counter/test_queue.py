"""The queue: tickets numbered per queue and day, called priority first then oldest, recalls, no-shows,
transfers, posts at windows — and two reps calling at the same moment never get the same ticket."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from counter.errors import CounterError
from counter.models import Call, Ticket, WindowPost
from counter.services import queue as q
from counter.services import visits as v
from servicecenter.roles import Role

SH = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=SH)


def test_tickets_are_numbered_per_queue_and_business_day(counter_hall, category):
    a1 = q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING)
    a2 = q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING)
    b1 = q.issue_ticket(hall=counter_hall, category=category("B"), at=MORNING)
    # 02:00 the next night is still the same business day (cut-off 04:00); 05:00 is the next one.
    late = q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING.replace(day=24, hour=2))
    next_day = q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING.replace(day=24, hour=5))
    assert [a1.code, a2.code, b1.code, late.code, next_day.code] == ["A001", "A002", "B001", "A003", "A001"]
    assert next_day.business_day == a1.business_day + timedelta(days=1)


def test_ticket_says_how_many_wait_ahead(counter_hall, category):
    q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING)
    q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING)
    q.issue_ticket(hall=counter_hall, category=category("B"), at=MORNING)
    third = q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING)
    vip = q.issue_ticket(hall=counter_hall, category=category("A"), priority=True, at=MORNING)
    assert third.waiting_ahead == 2
    assert vip.waiting_ahead == 0


def test_closed_queue_issues_no_ticket(counter_hall, category):
    closed = category("C")
    closed.is_active = False
    closed.save()
    with pytest.raises(CounterError):
        q.issue_ticket(hall=counter_hall, category=closed, at=MORNING)
    assert not Ticket.objects.exists()


def test_another_halls_queue_cannot_issue_here(counter_hall, other_hall, category):
    with pytest.raises(CounterError):
        q.issue_ticket(hall=other_hall, category=category("A"), at=MORNING)
    assert not Ticket.objects.exists()


@pytest.fixture
def at_window(counter_hall, rep):
    """The rep signed on at window 1."""
    return q.open_post(hall=counter_hall, window=counter_hall.windows.get(number=1), user=rep, at=MORNING)


def test_call_next_takes_priority_first_then_the_oldest(counter_hall, category, rep, at_window):
    first = q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING)
    q.issue_ticket(hall=counter_hall, category=category("B"), at=MORNING + timedelta(minutes=1))
    vip = q.issue_ticket(
        hall=counter_hall, category=category("C"), priority=True, at=MORNING + timedelta(minutes=2)
    )
    called = q.call_next(user=rep, hall=counter_hall, at=MORNING + timedelta(minutes=5))
    assert called.pk == vip.pk
    assert called.status == Ticket.Status.CALLED and called.window.number == 1
    assert called.waited_seconds == 180
    q.mark_no_show
    visit = v.start_visit(user=rep, hall=counter_hall, ticket_id=called.pk, at=MORNING + timedelta(minutes=6))
    with pytest.raises(CounterError):
        q.call_next(user=rep, hall=counter_hall, at=MORNING + timedelta(minutes=7))
    assert visit.ticket_id == vip.pk
    Ticket.objects.filter(pk=vip.pk).update(status=Ticket.Status.DONE)
    visit.ended_at = MORNING + timedelta(minutes=8)
    visit.save()
    assert q.call_next(user=rep, hall=counter_hall, at=MORNING + timedelta(minutes=9)).pk == first.pk


def test_calling_an_empty_queue_says_nobody_waits(counter_hall, rep, at_window):
    with pytest.raises(CounterError) as exc:
        q.call_next(user=rep, hall=counter_hall, at=MORNING)
    assert exc.value.code == "empty_queue"
    assert not Call.objects.exists()


def test_a_rep_calls_only_the_queues_they_chose(counter_hall, category, make_member):
    rep = make_member(Role.REP, counter_hall)
    q.open_post(
        hall=counter_hall, window=counter_hall.windows.get(number=2), user=rep, categories=[category("B")]
    )
    q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING)
    b = q.issue_ticket(hall=counter_hall, category=category("B"), at=MORNING + timedelta(minutes=1))
    assert q.call_next(user=rep, hall=counter_hall, at=MORNING + timedelta(minutes=2)).pk == b.pk


def test_yesterdays_waiting_tickets_are_not_called_today(counter_hall, category, rep, at_window):
    q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING - timedelta(days=1))
    with pytest.raises(CounterError):
        q.call_next(user=rep, hall=counter_hall, at=MORNING)


def test_paused_window_does_not_call(counter_hall, category, rep, at_window):
    q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING)
    q.pause_post(user=rep, hall=counter_hall)
    with pytest.raises(CounterError):
        q.call_next(user=rep, hall=counter_hall, at=MORNING)
    q.resume_post(user=rep, hall=counter_hall)
    assert q.call_next(user=rep, hall=counter_hall, at=MORNING).code == "A001"


def test_recall_repeats_the_announcement_and_no_show_needs_n_calls(counter_hall, category, rep, at_window):
    q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING)
    ticket = q.call_next(user=rep, hall=counter_hall, at=MORNING)
    with pytest.raises(CounterError) as exc:
        q.mark_no_show(user=rep, hall=counter_hall, ticket_id=ticket.pk)
    assert "3" in exc.value.message
    q.recall(user=rep, hall=counter_hall, ticket_id=ticket.pk)
    q.recall(user=rep, hall=counter_hall, ticket_id=ticket.pk)
    assert list(Call.objects.filter(ticket=ticket).order_by("pk").values_list("kind", flat=True)) == [
        "call",
        "recall",
        "recall",
    ]
    done = q.mark_no_show(user=rep, hall=counter_hall, ticket_id=ticket.pk)
    assert done.status == Ticket.Status.NO_SHOW and done.call_count == 3


def test_transfer_to_another_window_keeps_the_place_and_only_that_window_calls_it(
    counter_hall, category, rep, at_window, make_member
):
    other = make_member(Role.REP, counter_hall)
    third = make_member(Role.REP, counter_hall)
    q.open_post(hall=counter_hall, window=counter_hall.windows.get(number=2), user=other)
    q.open_post(hall=counter_hall, window=counter_hall.windows.get(number=3), user=third)
    first = q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING)
    later = q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING + timedelta(minutes=5))
    called = q.call_next(user=rep, hall=counter_hall, at=MORNING + timedelta(minutes=6))
    assert called.pk == first.pk
    q.transfer_ticket(
        user=rep, hall=counter_hall, ticket_id=first.pk, to_window=counter_hall.windows.get(number=3)
    )
    # Window 2 gets the later ticket: the transferred one is for window 3 only.
    assert q.call_next(user=other, hall=counter_hall, at=MORNING + timedelta(minutes=7)).pk == later.pk
    assert q.call_next(user=third, hall=counter_hall, at=MORNING + timedelta(minutes=8)).pk == first.pk


def test_acting_on_another_windows_ticket_is_refused(counter_hall, category, rep, at_window, make_member):
    other = make_member(Role.REP, counter_hall)
    q.open_post(hall=counter_hall, window=counter_hall.windows.get(number=2), user=other)
    q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING)
    ticket = q.call_next(user=rep, hall=counter_hall, at=MORNING)
    for action in (q.recall, q.mark_no_show):
        with pytest.raises(CounterError):
            action(user=other, hall=counter_hall, ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.call_count == 1 and ticket.status == Ticket.Status.CALLED


def test_one_open_post_per_window_and_per_rep(counter_hall, rep, at_window, make_member):
    other = make_member(Role.REP, counter_hall)
    with pytest.raises(CounterError, match=rep.display_name):
        q.open_post(hall=counter_hall, window=counter_hall.windows.get(number=1), user=other)
    with pytest.raises(CounterError):
        q.open_post(hall=counter_hall, window=counter_hall.windows.get(number=2), user=rep)
    assert WindowPost.objects.exclude(status="ended").count() == 1


def test_signing_off_with_a_customer_at_the_window_is_refused(counter_hall, category, rep, at_window):
    q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING)
    q.call_next(user=rep, hall=counter_hall, at=MORNING)
    with pytest.raises(CounterError):
        q.end_post(user=rep, hall=counter_hall)
    assert WindowPost.objects.get(pk=at_window.pk).status == WindowPost.Status.OPEN


@pytest.mark.django_db(transaction=True)
def test_two_reps_calling_at_once_never_get_the_same_ticket(hall, make_member):
    """Real concurrency on PostgreSQL: 6 reps at 6 windows press "call next" together, many times over."""
    from counter.defaults import install_hall_defaults
    from counter.models import TicketCategory
    from tests.factories import WindowFactory

    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL: run it with `make test`")
    install_hall_defaults(hall)
    for number in (4, 5, 6):
        WindowFactory(hall=hall, number=number)
    category = TicketCategory.objects.get(hall=hall, prefix="A")
    reps = [make_member(Role.REP, hall) for _ in range(6)]
    for n, rep in enumerate(reps, start=1):
        q.open_post(hall=hall, window=hall.windows.get(number=n), user=rep)
    now = datetime.now(tz=SH)
    for _ in range(60):
        q.issue_ticket(hall=hall, category=category, at=now)
    called: list[tuple[int, int]] = []
    errors: list[str] = []
    barrier = threading.Barrier(len(reps))

    def work(rep):
        from django.db import connections

        try:
            for _ in range(10):
                barrier.wait(timeout=30)
                ticket = q.call_next(user=rep, hall=hall, at=now)
                called.append((rep.pk, ticket.pk))
                # Serve and finish so that the window is free for the next call.
                Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.DONE)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(rep,)) for rep in reps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    ticket_ids = [t for _, t in called]
    assert len(ticket_ids) == 60
    assert len(set(ticket_ids)) == 60, "a ticket was called to two windows"
    assert Call.objects.count() == 60
    assert set(Ticket.objects.values_list("status", flat=True)) == {Ticket.Status.DONE}


def test_a_ticket_is_not_sent_to_a_window_nobody_serves(counter_hall, category, rep, at_window, make_member):
    q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING)
    ticket = q.call_next(user=rep, hall=counter_hall, at=MORNING)
    with pytest.raises(CounterError):
        q.transfer_ticket(
            user=rep, hall=counter_hall, ticket_id=ticket.pk, to_window=counter_hall.windows.get(number=3)
        )
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED and ticket.target_window is None


def test_tickets_waiting_for_a_window_go_back_to_the_queue_when_its_rep_signs_off(
    counter_hall, category, rep, at_window, make_member
):
    other = make_member(Role.REP, counter_hall)
    q.open_post(hall=counter_hall, window=counter_hall.windows.get(number=3), user=other)
    q.issue_ticket(hall=counter_hall, category=category("A"), at=MORNING)
    ticket = q.call_next(user=rep, hall=counter_hall, at=MORNING)
    q.transfer_ticket(
        user=rep, hall=counter_hall, ticket_id=ticket.pk, to_window=counter_hall.windows.get(number=3)
    )
    q.end_post(user=other, hall=counter_hall)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING and ticket.target_window is None
    assert q.call_next(user=rep, hall=counter_hall, at=MORNING).pk == ticket.pk
