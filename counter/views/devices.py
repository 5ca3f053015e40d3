"""The rating devices: the supervisor's page to pair and revoke them, and the customer-facing device itself
(客户评价器), which signs in with its own token (a long-lived cookie), not as a member of staff."""

import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from counter.errors import CounterError
from counter.models import Rating
from counter.selectors import complaints as selectors
from counter.services import pairing
from counter.services import ratings as services
from servicecenter.http import set_private_cookie
from servicecenter.scoping import hall_view, int_or_404
from servicecenter.window_display import shown_amounts

DEVICE_COOKIE = "sc_device"
# How long the "thank you" stays on the screen before the device shows the window again.
THANKS_SECONDS = 4


@never_cache
@hall_view("counter.manage_rating_devices")
def devices(request):
    hall = request.hall
    paired = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "pair":
                window = get_object_or_404(hall.windows, pk=int_or_404(request.POST.get("window")))
                device, token = services.pair_device(
                    hall=hall, window=window, name=request.POST.get("name", ""), by=request.user
                )
                # The token is shown this once, on this response; only its hash is kept.
                pair_url = request.build_absolute_uri(reverse("counter_device_pair"))
                paired = {"device": device, "token": token, "url": f"{pair_url}?token={token}"}
                messages.success(
                    request,
                    _("%(window)s: device paired. Open the address below on the tablet.")
                    % {"window": window},
                )
            elif action == "revoke":
                device = selectors.device_in_hall(hall=hall, device_id=request.POST.get("device"))
                services.revoke_device(device=device, by=request.user)
                messages.success(request, _("Device %(name)s revoked.") % {"name": device.name})
                return redirect("counter_devices", hall_id=hall.pk)
            else:
                messages.error(request, _("Unknown action."))
                status = 400
        except CounterError as exc:
            if exc.code == "forbidden":
                raise PermissionDenied from exc
            messages.error(request, exc.message)
            status = 400
    return render(
        request,
        "counter/device/manage.html",
        {"rows": selectors.window_devices(hall), "paired": paired},
        status=status,
    )


# --- The device --------------------------------------------------------------------------------------


def _device(request):
    return services.device_for_token(request.COOKIES.get(DEVICE_COOKIE))


def _not_paired(request):
    """403: the device has no valid token (never paired, or revoked). Nothing is recorded."""
    response = render(request, "counter/device/not_paired.html", status=403)
    response.delete_cookie(DEVICE_COOKIE)
    if request.htmx:
        # htmx does not swap a 403: reload the whole page, which then shows this one.
        response["HX-Refresh"] = "true"
    return response


def _set_cookie(response, token: str) -> None:
    set_private_cookie(response, DEVICE_COOKIE, token, max_age=pairing.COOKIE_AGE)


@never_cache
def device_pair(request):
    """On the tablet: type the token (or open the address with ?token=) to make this browser the device."""
    token = (request.POST.get("token") if request.method == "POST" else request.GET.get("token")) or ""
    token = token.strip()
    if not token:
        return render(request, "counter/device/pair.html")
    device = services.device_for_token(token)
    if device is None:
        return _not_paired(request)
    response = redirect("counter_device")
    _set_cookie(response, token)
    return response


def _screen_context(request, device, *, state: str | None = None, error: str = "") -> dict:
    screen = services.device_screen(device, at=timezone.now())
    return {
        "screen": screen,
        # 唱收唱付: the payment the rep at this window is taking, if any (see servicecenter.window_display).
        "amounts": shown_amounts(screen.window.pk) if screen.rep is not None else None,
        "state": state or screen.state,
        "error": error,
        "scores": Rating.Score.choices,
        "thanks_seconds": THANKS_SECONDS,
    }


@never_cache
def device_home(request):
    """The full-screen page on the tablet; it refreshes its screen every 2 seconds."""
    device = _device(request)
    if device is None:
        return _not_paired(request)
    # After a press without htmx (see device_rate), the page says thank you once.
    state = "thanks" if request.GET.get("thanks") == "1" else None
    response = render(request, "counter/device/home.html", _screen_context(request, device, state=state))
    _set_cookie(response, request.COOKIES[DEVICE_COOKIE])
    return response


@never_cache
def device_screen(request):
    """The polled part of the device page (data-state tells what it shows)."""
    device = _device(request)
    if device is None:
        return _not_paired(request)
    return render(request, "counter/device/_screen.html", _screen_context(request, device))


@never_cache
@require_POST
def device_rate(request):
    """A press on one of the four buttons."""
    device = _device(request)
    if device is None:
        return _not_paired(request)
    template = "counter/device/_screen.html" if request.htmx else "counter/device/home.html"
    try:
        services.submit_rating(
            device=device,
            visit_id=request.POST.get("visit"),
            score=request.POST.get("score"),
            at=timezone.now(),
        )
    except CounterError as exc:
        if exc.code == "forbidden":
            return _not_paired(request)
        return render(request, template, _screen_context(request, device, error=exc.message), status=400)
    if not request.htmx:
        return redirect(reverse("counter_device") + "?thanks=1")
    return render(request, template, _screen_context(request, device, state="thanks"))


@never_cache
def device_photo(request):
    """The photo of the rep now serving at the device's window. Served here, not from MEDIA_URL: staff
    photos are not public files, and production serves no media directory."""
    device = _device(request)
    if device is None:
        return _not_paired(request)
    rep = services.device_screen(device, at=timezone.now()).rep
    if rep is None or not rep.photo:
        raise Http404
    try:
        return FileResponse(rep.photo.open("rb"), content_type=mimetypes.guess_type(rep.photo.name)[0])
    except FileNotFoundError:
        raise Http404 from None


urlpatterns = [
    path("halls/<int:hall_id>/devices/", devices, name="counter_devices"),
    path("device/", device_home, name="counter_device"),
    path("device/pair/", device_pair, name="counter_device_pair"),
    path("device/screen/", device_screen, name="counter_device_screen"),
    path("device/rate/", device_rate, name="counter_device_rate"),
    path("device/photo/", device_photo, name="counter_device_photo"),
]
