"""The rating device at the window (客户评价器): pairing, what the customer sees, the rating it records."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from counter.errors import CounterError
from counter.models import Complaint, Rating, RatingDevice, Visit
from counter.services import ratings as services
from counter.services.queue import end_post
from servicecenter.roles import Role
from tests.counter import test_complaints as shared

# The fixtures the complaint tests define, used here too.
paired_device, serve = shared.paired_device, shared.serve

pytestmark = pytest.mark.django_db


def tablet(token: str | None = None) -> Client:
    """A browser on the tablet: nobody signed in; the device cookie if a token is given."""
    browser = Client()
    if token:
        browser.cookies["sc_device"] = token
    return browser


def screen_state(response) -> str:
    return re.search(r'data-state="(\w+)"', response.content.decode()).group(1)


# --- Pairing -----------------------------------------------------------------------------------------------


def test_pairing_shows_the_token_once_and_keeps_only_its_hash(counter_hall, supervisor, login, client):
    login(supervisor)
    window = counter_hall.windows.get(number=2)
    response = client.post(
        f"/halls/{counter_hall.pk}/devices/", {"action": "pair", "window": window.pk, "name": "2号评价器"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    token = re.search(r'data-testid="token"[^>]*>([^<]+)<', text).group(1)
    assert f"/device/pair/?token={token}" in text
    device = RatingDevice.objects.get()
    assert device.window == window and device.name == "2号评价器" and device.created_by == supervisor
    assert device.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert device.history.first().history_user == supervisor
    assert token not in client.get(f"/halls/{counter_hall.pk}/devices/").content.decode()


def test_pairing_a_window_again_revokes_its_old_device(counter_hall, paired_device):
    old, old_token = paired_device(window=1)
    new, new_token = paired_device(window=1)
    old.refresh_from_db()
    assert old.revoked_at is not None and new.revoked_at is None
    assert services.device_for_token(old_token) is None
    assert services.device_for_token(new_token) == new
    other, _token = paired_device(window=2)
    new.refresh_from_db()
    assert new.is_active and other.is_active


def test_the_tablet_pairs_with_the_token_in_the_address_or_typed(counter_hall, paired_device):
    _device, token = paired_device()
    browser = tablet()
    response = browser.get("/device/pair/", {"token": token})
    assert response.status_code == 302 and response["Location"] == "/device/"
    cookie = response.cookies["sc_device"]
    assert cookie.value == token and cookie["httponly"] and cookie["max-age"] >= 365 * 24 * 3600
    assert browser.get("/device/").status_code == 200
    typed = tablet()
    assert "csrfmiddlewaretoken" in typed.get("/device/pair/").content.decode()
    response = typed.post("/device/pair/", {"token": f"  {token} "})
    assert response.status_code == 302 and typed.get("/device/").status_code == 200


def test_revoking_stops_the_device_at_once(counter_hall, supervisor, paired_device, login, client):
    device, token = paired_device()
    login(supervisor)
    response = client.post(f"/halls/{counter_hall.pk}/devices/", {"action": "revoke", "device": device.pk})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.revoked_at is not None and device.history.first().history_user == supervisor
    assert tablet(token).get("/device/").status_code == 403


# --- What the customer sees ---------------------------------------------------------------------------------


def test_the_device_shows_the_window_and_the_rep_serving_there(counter_hall, rep, paired_device, serve):
    _device, token = paired_device()
    browser = tablet(token)
    response = browser.get("/device/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "城东客服中心" in text and "1号窗口" in text
    assert screen_state(response) == "closed"
    assert 'data-testid="header"' not in text  # no staff navigation
    assert 'hx-trigger="every 2s"' in text and 'hx-get="/device/screen/"' in text
    serve(rep, ask=False)
    partial = browser.get("/device/screen/")
    text = partial.content.decode()
    assert screen_state(partial) == "serving"
    assert 'data-testid="rep-name">李娜<' in text and f'data-testid="rep-number">{rep.staff_number}<' in text
    assert 'class="sc-device-initial" aria-hidden="true">李<' in text  # no photo: the surname in a circle
    assert 'data-testid="rating-buttons"' not in text


def test_the_device_shows_the_reps_photo_when_there_is_one(counter_hall, rep, paired_device, serve):
    rep.photo.name = "staff/lina.jpg"
    rep.save(update_fields=["photo"])
    _device, token = paired_device()
    serve(rep, ask=False)
    text = tablet(token).get("/device/screen/").content.decode()
    assert f'class="sc-device-photo" src="/device/photo/?rep={rep.pk}"' in text


def test_the_four_buttons_appear_when_the_rep_asks_for_the_rating(counter_hall, rep, paired_device, serve):
    _device, token = paired_device()
    visit = serve(rep)
    response = tablet(token).get("/device/screen/")
    text = response.content.decode()
    assert screen_state(response) == "rating"
    assert f'name="visit" value="{visit.pk}"' in text
    assert re.findall(r'data-score="(\d)"', text) == ["4", "3", "2", "1"]
    with translation.override("zh-hans"):
        chinese = str(Rating.Score.VERY_SATISFIED.label)
    # Chinese first (非常满意), the English label under it.
    assert f'<span class="sc-device-label">{chinese}</span>' in text
    assert '<span class="sc-device-en">Very satisfied</span>' in text
    assert "csrfmiddlewaretoken" in text


def test_a_rating_is_tied_to_the_visit_ticket_rep_and_window(counter_hall, rep, paired_device, serve):
    device, token = paired_device()
    visit = serve(rep)
    browser = tablet(token)
    browser.get("/device/")
    response = browser.post("/device/rate/", {"visit": visit.pk, "score": 4}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert screen_state(response) == "thanks" and 'hx-trigger="load delay:4s"' in response.content.decode()
    rating = Rating.objects.get()
    assert (rating.visit, rating.ticket, rating.rep, rating.window) == (
        visit,
        visit.ticket,
        rep,
        visit.window,
    )
    assert (rating.device, rating.score, rating.hall) == (device, 4, counter_hall)
    assert rating.business_day == visit.business_day and rating.complaint is None
    # Rated: the buttons are gone.
    assert screen_state(browser.get("/device/screen/")) == "serving"


def test_the_device_posts_with_the_csrf_token_like_any_page(counter_hall, rep, paired_device, serve):
    _device, token = paired_device()
    visit = serve(rep)
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["sc_device"] = token
    assert browser.post("/device/rate/", {"visit": visit.pk, "score": 3}).status_code == 403
    assert not Rating.objects.exists()
    page = browser.get("/device/").content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post("/device/rate/", {"visit": visit.pk, "score": 3, "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302 and Rating.objects.get().score == 3


def test_a_dissatisfied_rating_opens_a_draft_complaint(counter_hall, rep, paired_device, serve):
    _device, token = paired_device()
    visit = serve(rep)
    tablet(token).post("/device/rate/", {"visit": visit.pk, "score": 1})
    rating = Rating.objects.get()
    draft = Complaint.objects.get()
    assert rating.complaint == draft and draft.status == "draft" and draft.visit == visit
    assert rating.acknowledged_at is None


# --- Refusals: nothing is recorded ---------------------------------------------------------------------


def test_an_unknown_or_revoked_token_is_refused_and_records_nothing(
    counter_hall, rep, supervisor, paired_device, serve
):
    device, token = paired_device()
    visit = serve(rep)
    for browser in (tablet(), tablet("not-a-token"), tablet("x" * 5000)):
        response = browser.get("/device/")
        assert response.status_code == 403 and 'data-testid="not-paired"' in response.content.decode()
    services.revoke_device(device=device, by=supervisor)
    browser = tablet(token)
    assert browser.get("/device/").status_code == 403
    polled = browser.get("/device/screen/", HTTP_HX_REQUEST="true")
    assert polled.status_code == 403 and polled["HX-Refresh"] == "true"
    assert browser.post("/device/rate/", {"visit": visit.pk, "score": 1}).status_code == 403
    assert browser.get("/device/pair/", {"token": token}).status_code == 403
    assert not Rating.objects.exists() and not Complaint.objects.exists()
    with pytest.raises(CounterError):
        services.submit_rating(device=device, visit_id=visit.pk, score=1)


def test_a_visit_is_rated_once(counter_hall, rep, paired_device, serve):
    _device, token = paired_device()
    visit = serve(rep)
    browser = tablet(token)
    first = browser.post("/device/rate/", {"visit": visit.pk, "score": 1})
    assert first.status_code == 302 and first["Location"] == "/device/?thanks=1"  # without htmx
    assert screen_state(browser.get(first["Location"])) == "thanks"
    again = browser.post("/device/rate/", {"visit": visit.pk, "score": 4})
    assert again.status_code == 400 and 'data-testid="device-error"' in again.content.decode()
    assert Rating.objects.get().score == 1 and Complaint.objects.count() == 1


def test_a_device_cannot_rate_another_windows_visit(counter_hall, rep, make_member, paired_device, serve):
    colleague = make_member(Role.REP, counter_hall)
    device_1, token_1 = paired_device(window=1)
    visit_at_2 = serve(colleague, window=2)
    assert tablet(token_1).post("/device/rate/", {"visit": visit_at_2.pk, "score": 4}).status_code == 400
    with pytest.raises(CounterError):
        services.submit_rating(device=device_1, visit_id=visit_at_2.pk, score=4)
    assert not Rating.objects.exists()


@pytest.mark.parametrize("score", ["0", "5", "", "very", None])
def test_only_the_four_scores_are_accepted(score, counter_hall, rep, paired_device, serve):
    _device, token = paired_device()
    visit = serve(rep)
    data = {"visit": visit.pk} if score is None else {"visit": visit.pk, "score": score}
    assert tablet(token).post("/device/rate/", data).status_code == 400
    assert not Rating.objects.exists()


def test_only_the_visit_awaiting_its_rating_can_be_rated(counter_hall, rep, paired_device, serve):
    device, _token = paired_device()
    not_asked = serve(rep, ask=False)
    assert services.pending_visit(device) is None
    with pytest.raises(CounterError):
        services.submit_rating(device=device, visit_id=not_asked.pk, score=4)
    # Asked for more than ten minutes ago: the customer has gone.
    Visit.objects.filter(pk=not_asked.pk).update(rating_requested_at=timezone.now() - timedelta(minutes=11))
    assert services.pending_visit(device) is None
    Visit.objects.filter(pk=not_asked.pk).update(rating_requested_at=timezone.now() - timedelta(minutes=9))
    assert services.pending_visit(device) == not_asked


def test_the_next_customer_ends_the_chance_to_rate_the_previous_visit(
    counter_hall, rep, paired_device, serve
):
    device, _token = paired_device()
    first = serve(rep, end=True)  # ended without rating: the device still asks
    assert services.pending_visit(device) == first
    second = serve(rep, ask=False)
    assert services.pending_visit(device) is None
    with pytest.raises(CounterError):
        services.submit_rating(device=device, visit_id=first.pk, score=4)
    assert second.is_open and not Rating.objects.exists()


def test_a_paused_or_closed_window_says_so(counter_hall, rep, paired_device, serve):
    from counter.services.queue import pause_post

    device, token = paired_device()
    serve(rep, end=True)
    services.submit_rating(device=device, visit_id=Visit.objects.get().pk, score=4)
    pause_post(user=rep, hall=counter_hall)
    assert screen_state(tablet(token).get("/device/screen/")) == "paused"
    end_post(user=rep, hall=counter_hall)
    assert screen_state(tablet(token).get("/device/screen/")) == "closed"


def test_the_device_is_seen_at_most_once_a_minute(counter_hall, paired_device):
    device, token = paired_device()
    now = timezone.now()
    services.device_for_token(token, at=now)
    services.device_for_token(token, at=now + timedelta(seconds=30))
    device.refresh_from_db()
    assert device.last_seen_at == now
    services.device_for_token(token, at=now + timedelta(seconds=61))
    device.refresh_from_db()
    assert device.last_seen_at == now + timedelta(seconds=61)
    assert device.history.count() == 1  # a heartbeat is not a change


@pytest.mark.parametrize("visits", [1, 12])
def test_device_screen_query_budget(
    visits, counter_hall, rep, paired_device, serve, django_assert_max_num_queries
):
    device, token = paired_device()
    for _ in range(visits):
        visit = serve(rep, end=True)
        services.submit_rating(device=device, visit_id=visit.pk, score=3)
    serve(rep)
    browser = tablet(token)
    browser.get("/device/screen/")
    with django_assert_max_num_queries(3):
        response = browser.get("/device/screen/")
    assert screen_state(response) == "rating"


# --- Who manages devices --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.REP, Role.GREETER, Role.AUDITOR, Role.FINANCE_AUDITOR])
def test_only_duty_managers_and_supervisors_pair_devices(role, counter_hall, make_member, login, client):
    login(make_member(role, counter_hall))
    window = counter_hall.windows.get(number=1)
    assert client.get(f"/halls/{counter_hall.pk}/devices/").status_code == 403
    response = client.post(f"/halls/{counter_hall.pk}/devices/", {"action": "pair", "window": window.pk})
    assert response.status_code == 403
    assert not RatingDevice.objects.exists()


def test_devices_of_another_hall_are_not_found(
    counter_hall, other_hall, make_member, paired_device, login, client
):
    from tests.factories import WindowFactory

    device, _token = paired_device()
    foreign_window = WindowFactory(hall=other_hall, number=1)
    login(make_member(Role.SUPERVISOR, other_hall))
    assert client.get(f"/halls/{counter_hall.pk}/devices/").status_code == 404
    assert (
        client.post(f"/halls/{other_hall.pk}/devices/", {"action": "revoke", "device": device.pk}).status_code
        == 404
    )
    device.refresh_from_db()
    assert device.is_active
    response = client.post(
        f"/halls/{other_hall.pk}/devices/",
        {"action": "pair", "window": counter_hall.windows.get(number=1).pk},
    )
    assert response.status_code == 404
    assert RatingDevice.objects.count() == 1
    assert (
        client.post(
            f"/halls/{other_hall.pk}/devices/", {"action": "pair", "window": foreign_window.pk}
        ).status_code
        == 200
    )


def test_device_manage_page_query_budget(
    counter_hall, supervisor, paired_device, login, client, django_assert_max_num_queries
):
    login(supervisor)
    client.get(f"/halls/{counter_hall.pk}/devices/")
    with django_assert_max_num_queries(6):
        client.get(f"/halls/{counter_hall.pk}/devices/")
    for window in (1, 2, 3):
        paired_device(window)
    with django_assert_max_num_queries(6):
        response = client.get(f"/halls/{counter_hall.pk}/devices/")
    assert [row.device is not None for row in response.context["rows"]] == [True, True, True]


def test_device_shows_the_serving_reps_photo_without_a_public_media_url(
    counter_hall, rep, duty_manager, category, client, settings, tmp_path
):
    from django.core.files.base import ContentFile
    from django.test import Client

    from counter.services import queue as q
    from counter.services import ratings as rating_services

    settings.MEDIA_ROOT = tmp_path
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    rep.photo.save("li-na.png", ContentFile(png))
    window = counter_hall.windows.get(number=2)
    _device, token = rating_services.pair_device(
        hall=counter_hall, window=window, name="2号", by=duty_manager
    )
    tablet = Client()
    tablet.get(f"/device/pair/?token={token}")
    assert tablet.get("/device/photo/").status_code == 404  # nobody serves at the window yet
    q.open_post(hall=counter_hall, window=window, user=rep)
    assert 'src="/device/photo/' in tablet.get("/device/screen/").content.decode()
    photo = tablet.get("/device/photo/")
    assert photo.status_code == 200 and b"".join(photo.streaming_content) == png
    assert Client().get("/device/photo/").status_code == 403
