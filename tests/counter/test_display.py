"""The greeter's page, printed tickets, the call display and its voice, and the hall's paired screens."""

import re

import pytest

from counter.models import HallScreen, Ticket
from counter.services import queue as q
from counter.speech import announcement, announcement_display, number_zh
from servicecenter.roles import Role


def ahead(printed: str) -> int:
    """The number of people waiting ahead, as the printed ticket says it (in whatever language)."""
    text = re.search(r'data-testid="ticket-ahead">([^<]*)<', printed).group(1)
    return int(re.search(r"\d+", text).group())


def test_greeter_issues_a_priority_ticket_and_prints_it(counter_hall, category, greeter, login):
    client = login(greeter)
    q.issue_ticket(hall=counter_hall, category=category("A"))
    page = client.get(f"/halls/{counter_hall.pk}/queue/").content.decode()
    assert 'data-testid="issue-A"' in page
    response = client.post(
        f"/halls/{counter_hall.pk}/queue/issue/", {"category": category("A").pk, "priority": "1"}
    )
    ticket = Ticket.objects.get(code="A002")
    assert ticket.priority and ticket.issued_by == greeter
    assert response.url.endswith(f"/tickets/{ticket.pk}/print/?print=1")
    printed = client.get(response.url).content.decode()
    assert "A002" in printed and 'data-auto-print="1"' in printed
    # A priority ticket goes before the one already waiting.
    assert ahead(printed) == 0
    assert "过号" in printed or "missed number" in printed


def test_printed_ticket_counts_the_people_ahead(counter_hall, category, greeter, login):
    for _ in range(3):
        q.issue_ticket(hall=counter_hall, category=category("B"))
    client = login(greeter)
    response = client.post(f"/halls/{counter_hall.pk}/queue/issue/", {"category": category("B").pk})
    printed = client.get(response.url).content.decode()
    assert ahead(printed) == 3


@pytest.mark.parametrize("role", [Role.FINANCE_AUDITOR, Role.AUDITOR])
def test_roles_that_do_not_greet_cannot_issue(counter_hall, category, make_member, login, role):
    client = login(make_member(role, counter_hall))
    assert (
        client.post(f"/halls/{counter_hall.pk}/queue/issue/", {"category": category("A").pk}).status_code
        == 403
    )
    assert not Ticket.objects.exists()


def test_issuing_from_another_halls_queue_is_not_found(
    counter_hall, other_hall, category, make_member, login
):
    client = login(make_member(Role.GREETER, other_hall))
    response = client.post(f"/halls/{other_hall.pk}/queue/issue/", {"category": category("A").pk})
    assert response.status_code == 404
    assert not Ticket.objects.exists()


def test_announcement_reads_as_halls_announce():
    assert announcement_display("A001", 3) == "请A001号到3号窗口办理业务"
    assert announcement("A001", 3) == "请A零零一号到三号窗口办理业务"
    assert [number_zh(n) for n in (10, 12, 20, 21)] == ["十", "十二", "二十", "二十一"]


@pytest.fixture
def calling(counter_hall, category, rep):
    q.open_post(hall=counter_hall, window=counter_hall.windows.get(number=3), user=rep)
    q.issue_ticket(hall=counter_hall, category=category("A"))
    return q.call_next(user=rep, hall=counter_hall)


def test_display_feed_announces_new_calls_and_recalls(counter_hall, calling, rep, greeter, login):
    client = login(greeter)
    page = client.get(f"/halls/{counter_hall.pk}/display/").content.decode()
    after = int(re.search(r'data-after="(\d+)"', page).group(1))
    assert after >= 1  # calls made before the display opened are not announced again
    feed = client.get(f"/halls/{counter_hall.pk}/display/feed/?after=0").json()
    assert feed["calls"][0]["text"] == "请A001号到3号窗口办理业务"
    assert feed["serving"] == [{"ticket": "A001", "window": 3, "status": "called"}]
    assert feed["repeat"] == 2
    q.recall(user=rep, hall=counter_hall, ticket_id=calling.pk)
    later = client.get(f"/halls/{counter_hall.pk}/display/feed/?after={feed['last']}").json()
    assert [c["kind"] for c in later["calls"]] == ["recall"]


def test_display_speaks_with_the_servers_mandarin_voice(counter_hall, calling, greeter, login):
    client = login(greeter)
    feed = client.get(f"/halls/{counter_hall.pk}/display/feed/?after=0").json()
    audio = client.get(f"/halls/{counter_hall.pk}/display/calls/{feed['calls'][0]['id']}.wav")
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/wav"
    assert audio.content[:4] == b"RIFF" and len(audio.content) > 10_000


def test_display_of_another_hall_is_not_found(counter_hall, other_hall, make_member, login):
    client = login(make_member(Role.REP, other_hall))
    assert client.get(f"/halls/{counter_hall.pk}/display/").status_code == 404
    assert client.get(f"/halls/{counter_hall.pk}/display/feed/").status_code == 404


def test_paired_display_screen_works_without_a_staff_login(counter_hall, calling, supervisor, login, client):
    staff = login(supervisor)
    page = staff.post(
        f"/halls/{counter_hall.pk}/screens/", {"action": "pair", "kind": "display", "name": "大厅大屏"}
    )
    url = re.search(r'data-testid="pair-url">([^<]+)<', page.content.decode()).group(1)
    token = url.split("token=")[1]
    screen = HallScreen.objects.get()
    assert screen.token_hash != token and token not in screen.token_hash
    staff.post("/logout/")
    from django.test import Client

    tablet = Client()
    assert tablet.get(f"/screen/pair/?token={token}").status_code == 302
    display = tablet.get("/screen/").content.decode()
    assert 'data-testid="display"' in display and counter_hall.name in display
    assert tablet.get("/screen/feed/?after=0").json()["calls"][0]["ticket"] == "A001"
    # Revoked: the screen shows nothing more.
    staff = login(supervisor)
    staff.post(f"/halls/{counter_hall.pk}/screens/", {"action": "revoke", "screen": screen.pk})
    assert tablet.get("/screen/").status_code == 403
    assert tablet.get("/screen/feed/?after=0").status_code == 403


def test_kiosk_issues_tickets_and_a_wrong_token_issues_none(counter_hall, category, supervisor, login):
    from django.test import Client

    staff = login(supervisor)
    page = staff.post(
        f"/halls/{counter_hall.pk}/screens/", {"action": "pair", "kind": "kiosk", "name": "取号机"}
    )
    token = re.search(r"token=([^<\s]+)<", page.content.decode()).group(1)
    kiosk = Client()
    kiosk.get(f"/screen/pair/?token={token}")
    assert 'data-testid="kiosk-A"' in kiosk.get("/screen/").content.decode()
    printed = kiosk.post("/screen/tickets/", {"category": category("A").pk}).content.decode()
    assert "A001" in printed
    assert Ticket.objects.get().issued_by is None
    stranger = Client()
    assert stranger.get("/screen/pair/?token=not-a-token").status_code == 403
    assert stranger.post("/screen/tickets/", {"category": category("A").pk}).status_code == 403
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("role", [Role.REP, Role.GREETER, Role.AUDITOR])
def test_only_supervisors_and_duty_managers_pair_screens(counter_hall, make_member, login, role):
    client = login(make_member(role, counter_hall))
    response = client.post(
        f"/halls/{counter_hall.pk}/screens/", {"action": "pair", "kind": "display", "name": "x"}
    )
    assert response.status_code == 403
    assert not HallScreen.objects.exists()


def test_greeter_sees_the_documents_each_business_needs(counter_hall, greeter, login):
    page = login(greeter).get(f"/halls/{counter_hall.pk}/queue/").content.decode()
    assert "过户" in page and "房产过户证明" in page and "欠费结清" in page


def test_greeter_page_costs_the_same_with_more_tickets(
    counter_hall, category, greeter, login, django_assert_max_num_queries
):
    client = login(greeter)
    for _ in range(40):
        q.issue_ticket(hall=counter_hall, category=category("A"))
    with django_assert_max_num_queries(10):
        assert client.get(f"/halls/{counter_hall.pk}/queue/").status_code == 200
