"""Request policies: Chinese first, idle timeout, and the forced password change at first login."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import check_for_language, get_supported_language_variant
from django.utils.translation import gettext as _

_LAST_ACTIVITY = "last_activity"
# Refresh the stored time at most this often, so a busy page does not write the session on every request.
_TOUCH_EVERY = 60


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the user chose another language (the language cookie): a hall PC whose browser
    happens to ask for English still shows the counter system in Chinese."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or settings.LANGUAGE_CODE
        try:
            # A cookie may name a language Django knows but we do not offer (set by another site here).
            language = get_supported_language_variant(chosen) if check_for_language(chosen) else None
        except LookupError:
            language = None
        translation.activate(language or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


def mark_active(request) -> None:
    """Start the idle clock at sign-in, in the session write the sign-in makes anyway."""
    request.session[_LAST_ACTIVITY] = time.time()


def session_idle_expired(last_activity: float | None, now: float, timeout: int) -> bool:
    return last_activity is not None and now - last_activity > timeout


class IdleSessionTimeoutMiddleware:
    """Log out a session that has been idle longer than SESSION_IDLE_TIMEOUT seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last = request.session.get(_LAST_ACTIVITY)
            if session_idle_expired(last, now, settings.SESSION_IDLE_TIMEOUT):
                request.session_expired = True
                logout(request)
                return _to_login(
                    request, _("Your session ended after a period of inactivity. Please sign in again.")
                )
            # A page refreshing itself (htmx polling, marked X-Poll) is not the user being active.
            polling = request.headers.get("X-Poll") == "1"
            if not polling and (last is None or now - last >= _TOUCH_EVERY):
                request.session[_LAST_ACTIVITY] = now
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """Until an administrator-created account has changed its password, it can do nothing else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse("password_change"), reverse("logout"), reverse("set_language")}
            if request.path not in allowed and not request.path.startswith(f"/{settings.STATIC_URL}"):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": _("You must change your password before you continue.")}, status=403
                    )
                return redirect("password_change")
        return self.get_response(request)


def _to_login(request, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=401)
    messages.warning(request, message)
    if request.headers.get("HX-Request") == "true":  # htmx swaps a fragment: redirect the whole page
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse(settings.LOGIN_URL)
        return response
    return redirect_to_login(request.get_full_path())
