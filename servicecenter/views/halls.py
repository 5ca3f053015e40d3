"""Hall pages of the kernel: the home page of each role, hall switching, staff and roles, the audit log."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicecenter import navigation, selectors, services
from servicecenter.errors import KernelError
from servicecenter.models import AuditEvent, Membership, User
from servicecenter.roles import Role
from servicecenter.scoping import (
    access_for,
    get_hall_for_user,
    hall_view,
    has_hall_perm,
    int_or_404,
    last_hall_id,
    remember_hall,
)


@login_required
def home(request):
    """Send the user to the home page of the hall they last worked in (or their first hall)."""
    access = access_for(request.user)
    if not access.halls:
        return render(request, "servicecenter/no_hall.html", status=403)
    wanted = last_hall_id(request)
    hall = next((h for h in access.halls if h.pk == wanted), access.halls[0])
    return redirect("hall_home", hall_id=hall.pk)


@login_required
@require_POST
def switch_hall(request):
    hall = get_hall_for_user(request.user, request.POST.get("hall"))
    response = redirect("hall_home", hall_id=hall.pk)
    remember_hall(request, response, hall)
    return response


@hall_view()
def hall_home(request):
    hall = request.hall
    today = selectors.hall_today(hall, at=timezone.now())
    roles = request.hall_roles
    context = {
        "today": today,
        "roles": roles,
        "panels": [
            reverse(panel.url_name, kwargs={"hall_id": hall.pk})
            for panel in navigation.home_panels()
            if any(has_hall_perm(request.user, hall, perm) for perm in panel.perms)
        ],
    }
    if has_hall_perm(request.user, hall, "servicecenter.view_auditevent"):
        context["recent_events"] = list(selectors.audit_events_for_hall(hall)[:8])
    if Role.MANAGER in roles:
        company_halls = [h for h in access_for(request.user).halls if h.company_id == hall.company_id]
        context["company_halls"] = selectors.company_halls(company_halls)
    return render(request, "servicecenter/home.html", context)


@hall_view()
def hall_today(request):
    """The home page's "today" panels, polled by htmx so that a page left open stays current."""
    today = selectors.hall_today(request.hall, at=timezone.now())
    return render(request, "servicecenter/_today.html", {"today": today})


class GrantRoleForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=())

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username__iexact=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No colleague with this username can be given a role here."))
        return user


class NewStaffForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Family name"), max_length=150)
    first_name = forms.CharField(label=gettext_lazy("Given name"), max_length=150)
    staff_number = forms.CharField(label=gettext_lazy("Staff number"), max_length=20)
    password = forms.CharField(
        label=gettext_lazy("Initial password"),
        widget=forms.PasswordInput,
        help_text=gettext_lazy("The new colleague must change it at first sign-in."),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=())

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password)
        return password


def _grantable_roles(user, hall) -> list[tuple[str, str]]:
    return [
        (value, label) for value, label in Role.choices if services.may_grant_role(user, value, hall=hall)
    ]


@hall_view("servicecenter.view_membership")
def staff(request):
    hall = request.hall
    may_manage = has_hall_perm(request.user, hall, "servicecenter.add_membership")
    grantable = _grantable_roles(request.user, hall)
    grant_form = GrantRoleForm(roles=grantable, prefix="grant")
    new_form = NewStaffForm(roles=grantable, prefix="new")
    status = 200
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "grant":
                grant_form = GrantRoleForm(request.POST, roles=grantable, prefix="grant")
                if grant_form.is_valid():
                    user = grant_form.cleaned_data["username"]
                    services.grant_role(
                        user=user, role=grant_form.cleaned_data["role"], hall=hall, by=request.user
                    )
                    messages.success(request, _("Role granted to %(name)s.") % {"name": user.display_name})
                    return redirect("hall_staff", hall_id=hall.pk)
            elif action == "create":
                new_form = NewStaffForm(request.POST, roles=grantable, prefix="new")
                if new_form.is_valid():
                    data = new_form.cleaned_data
                    user = services.onboard_staff(
                        username=data["username"],
                        password=data["password"],
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                        staff_number=data["staff_number"],
                        role=data["role"],
                        hall=hall,
                        by=request.user,
                    )
                    messages.success(
                        request,
                        _("Account %(username)s created; the password must be changed at first sign-in.")
                        % {"username": user.username},
                    )
                    return redirect("hall_staff", hall_id=hall.pk)
            elif action == "revoke":
                membership = get_object_or_404(
                    Membership, pk=int_or_404(request.POST.get("membership")), hall=hall
                )
                services.revoke_role(membership=membership, by=request.user)
                messages.success(request, _("Role removed."))
                return redirect("hall_staff", hall_id=hall.pk)
            elif action in ("unlock", "reset_password"):
                member = _member_of_hall(hall, request.POST.get("user"))
                if action == "unlock":
                    services.unlock_account(user=member, hall=hall, by=request.user)
                    messages.success(
                        request, _("%(name)s can sign in again.") % {"name": member.display_name}
                    )
                else:
                    services.reset_password(
                        user=member, new_password=request.POST.get("password", ""), hall=hall, by=request.user
                    )
                    messages.success(
                        request,
                        _("Temporary password set for %(name)s; it must be changed at the next sign-in.")
                        % {"name": member.display_name},
                    )
                return redirect("hall_staff", hall_id=hall.pk)
            else:
                messages.error(request, _("Unknown action."))
        except KernelError as exc:
            messages.error(request, exc.message)
        status = 400
    memberships = list(selectors.hall_memberships(hall))
    locked = selectors.locked_out_usernames([m.user.username for m in memberships])
    return render(
        request,
        "servicecenter/staff.html",
        {
            "memberships": memberships,
            "locked": locked,
            "may_manage": may_manage,
            "grant_form": grant_form,
            "new_form": new_form,
        },
        status=status,
    )


def _member_of_hall(hall, user_id) -> User:
    """A user holding a role in this hall, else 404."""
    membership = selectors.hall_memberships(hall).filter(user_id=int_or_404(user_id)).first()
    if membership is None:
        raise Http404
    return membership.user


@hall_view("servicecenter.view_auditevent")
def audit_log(request):
    events = selectors.audit_events_for_hall(request.hall)
    kind = request.GET.get("kind", "")
    if kind:
        if kind not in AuditEvent.Kind.values:
            messages.error(request, _("Unknown event kind."))
            kind = ""
        else:
            events = events.filter(kind=kind)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "servicecenter/audit_log.html",
        {"page": page, "kinds": AuditEvent.Kind.choices, "kind": kind},
    )
