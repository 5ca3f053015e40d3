"""Sign in, sign out, the first-login password change, and the lockout page."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from servicecenter.auth_policy import address_blocked, address_blocked_message, client_ip, cooloff_minutes
from servicecenter.errors import KernelError
from servicecenter.services import change_password


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": gettext_lazy("Wrong username or password. Note that both are case-sensitive."),
        "inactive": gettext_lazy("This account is disabled."),
    }


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if address_blocked(client_ip(request)):
            return render(
                request,
                self.template_name,
                # An unbound form: validating this one would try the password after all.
                {"form": self.authentication_form(request), "lockout_message": address_blocked_message()},
                status=429,
            )
        return super().post(request, *args, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    minutes = cooloff_minutes()
    message = _(
        "Too many failed sign-in attempts: this account is locked for %(minutes)d minutes. "
        "Ask your supervisor if you have forgotten your password."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    form = LoginForm(request)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form.fields["username"].initial = username
    return render(request, "registration/login.html", {"form": form, "lockout_message": message}, status=429)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = change_password(
                user=request.user, new_password=form.cleaned_data["new_password1"], by=request.user
            )
        except KernelError as exc:
            form.add_error("new_password1", exc.message)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("home")
    return render(
        request,
        "registration/password_change.html",
        {"form": form, "forced": request.user.must_change_password},
        status=400 if form.errors else 200,
    )


# Logout is POST-only (a GET from a prefetch or an image tag must not end a rep's session).
logout = auth_views.LogoutView.as_view()
