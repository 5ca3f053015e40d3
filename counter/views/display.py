"""The hall's screens: the call display (大屏) that shows and announces calls, the ticket kiosk, and the
supervisor's page that pairs and revokes them. A screen signs in with its own token (a cookie), not with a
staff login; staff of the hall may also open the display in their own browser."""

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from counter import speech
from counter.errors import CounterError
from counter.models import Call, HallScreen, Ticket, TicketCategory
from counter.selectors import queue as queue_selectors
from counter.services import pairing
from counter.services import queue as queue_services
from counter.services import screens as screen_services
from counter.views.queue import queue_context
from servicecenter.clock import business_day
from servicecenter.http import set_private_cookie
from servicecenter.scoping import hall_view, int_or_404

SCREEN_COOKIE = "sc_screen"


def _int(value, default=0) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default


def _feed(hall, after: int) -> dict:
    now = timezone.now()
    day = business_day(hall, now)
    calls = queue_selectors.calls_after(hall, after_id=after, day=day)
    settings_ = queue_selectors.counter_settings(hall)
    return {
        "calls": [
            {
                "id": c.pk,
                "ticket": c.ticket.code,
                "window": c.window.number,
                "kind": c.kind,
                "text": speech.announcement_display(c.ticket.code, c.window.number),
                "speech": speech.announcement(c.ticket.code, c.window.number),
            }
            for c in calls
        ],
        "serving": [
            {"ticket": t.code, "window": t.window.number, "status": t.status}
            for t in queue_selectors.now_serving(hall, day=day)[:12]
        ],
        "waiting": [
            {"prefix": line.category.prefix, "name": line.category.name, "waiting": line.waiting}
            for line in queue_selectors.queue_summary(hall, day=day, now=now)
        ],
        "repeat": settings_.announce_times,
        "last": calls[-1].pk if calls else after,
    }


def _display(request, hall, *, feed_url: str, audio_url: str):
    return render(
        request,
        "counter/display/display.html",
        {
            "hall": hall,
            "feed_url": feed_url,
            "audio_url": audio_url,
            "after": queue_selectors.last_call_id(hall),
            "repeat": queue_selectors.counter_settings(hall).announce_times,
        },
    )


def _wav(hall, call_id: int):
    call = get_object_or_404(Call.objects.select_related("ticket", "window"), pk=call_id, hall=hall)
    wav = speech.synthesize(speech.announcement(call.ticket.code, call.window.number))
    if wav is None:
        raise Http404
    response = HttpResponse(wav, content_type="audio/wav")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- Staff in their own browser ---------------------------------------------------------------------------


@hall_view("counter.view_ticket")
def display(request):
    hall = request.hall
    return _display(
        request,
        hall,
        feed_url=reverse("counter_display_feed", kwargs={"hall_id": hall.pk}),
        audio_url=reverse("counter_display_audio", kwargs={"hall_id": hall.pk, "call_id": 0}),
    )


@hall_view("counter.view_ticket")
def display_feed(request):
    return JsonResponse(_feed(request.hall, _int(request.GET.get("after"))))


@hall_view("counter.view_ticket")
def display_audio(request, call_id):
    return _wav(request.hall, call_id)


# --- Paired screens ---------------------------------------------------------------------------------------


def _screen(request) -> HallScreen | None:
    return screen_services.screen_for_token(request.COOKIES.get(SCREEN_COOKIE))


def _not_paired(request):
    return render(request, "counter/display/not_paired.html", status=403)


def screen_pair(request):
    """Open on the screen's browser once: /screen/pair/?token=… (or type the token) keeps it signed in."""
    token = (request.POST.get("token") or request.GET.get("token") or "").strip()
    error = ""
    if token:
        screen = screen_services.screen_for_token(token)
        if screen is not None:
            response = redirect("counter_screen")
            _keep_paired(response, token)
            return response
        error = _("This token does not belong to an active screen.")
    return render(request, "counter/display/pair.html", {"error": error}, status=403 if error else 200)


def _keep_paired(response, token: str) -> None:
    set_private_cookie(response, SCREEN_COOKIE, token, max_age=pairing.COOKIE_AGE)


def screen(request):
    screen = _screen(request)
    if screen is None:
        return _not_paired(request)
    hall = screen.hall
    if screen.kind == HallScreen.Kind.KIOSK:
        response = render(
            request, "counter/display/kiosk.html", {"hall": hall, **queue_context(hall, timezone.now())}
        )
    else:
        response = _display(
            request,
            hall,
            feed_url=reverse("counter_screen_feed"),
            audio_url=reverse("counter_screen_audio", kwargs={"call_id": 0}),
        )
    _keep_paired(response, request.COOKIES[SCREEN_COOKIE])
    return response


def screen_feed(request):
    screen = _screen(request)
    if screen is None or screen.kind != HallScreen.Kind.DISPLAY:
        return JsonResponse({"detail": _("This screen is not paired.")}, status=403)
    return JsonResponse(_feed(screen.hall, _int(request.GET.get("after"))))


def screen_audio(request, call_id):
    screen = _screen(request)
    if screen is None or screen.kind != HallScreen.Kind.DISPLAY:
        return _not_paired(request)
    return _wav(screen.hall, call_id)


@require_POST
def kiosk_issue(request):
    screen = _screen(request)
    if screen is None or screen.kind != HallScreen.Kind.KIOSK:
        return _not_paired(request)
    hall = screen.hall
    category = TicketCategory.objects.filter(hall=hall, pk=int_or_404(request.POST.get("category"))).first()
    if category is None:
        raise Http404
    try:
        ticket = queue_services.issue_ticket(hall=hall, category=category, by=None)
    except CounterError as exc:
        return render(
            request,
            "counter/display/kiosk.html",
            {"hall": hall, "error": exc.message, **queue_context(hall, timezone.now())},
            status=400,
        )
    ticket = Ticket.objects.select_related("category", "hall").get(pk=ticket.pk)
    return render(
        request,
        "counter/queue/ticket_print.html",
        {"ticket": ticket, "auto_print": True, "back_url": reverse("counter_screen"), "kiosk": True},
    )


# --- Pairing and revoking (supervisor, duty manager) --------------------------------------------------------


@hall_view("counter.manage_screens")
def screens(request):
    hall = request.hall
    new_token = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                screen = get_object_or_404(HallScreen, pk=int_or_404(request.POST.get("screen")), hall=hall)
                screen_services.revoke_screen(screen=screen)
                messages.success(request, _("Screen “%(name)s” revoked.") % {"name": screen.name})
                return redirect("counter_screens", hall_id=hall.pk)
            screen, token = screen_services.pair_screen(
                hall=hall,
                kind=request.POST.get("kind", ""),
                name=request.POST.get("name", ""),
                by=request.user,
            )
            new_token = {
                "screen": screen,
                "token": token,
                "url": request.build_absolute_uri(reverse("counter_screen_pair")) + f"?token={token}",
            }
        except CounterError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "counter/display/screens.html",
        {
            "screens": HallScreen.objects.filter(hall=hall)
            .select_related("created_by")
            .order_by("-created_at"),
            "kinds": HallScreen.Kind.choices,
            "new_token": new_token,
        },
    )


urlpatterns = [
    path("halls/<int:hall_id>/display/", display, name="counter_display"),
    path("halls/<int:hall_id>/display/feed/", display_feed, name="counter_display_feed"),
    path("halls/<int:hall_id>/display/calls/<int:call_id>.wav", display_audio, name="counter_display_audio"),
    path("halls/<int:hall_id>/screens/", screens, name="counter_screens"),
    path("screen/", screen, name="counter_screen"),
    path("screen/pair/", screen_pair, name="counter_screen_pair"),
    path("screen/feed/", screen_feed, name="counter_screen_feed"),
    path("screen/calls/<int:call_id>.wav", screen_audio, name="counter_screen_audio"),
    path("screen/tickets/", kiosk_issue, name="counter_kiosk_issue"),
]
