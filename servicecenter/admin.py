"""Admin for the kernel's configuration: companies, halls and windows; staff accounts and their roles."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from servicecenter import services
from servicecenter.errors import KernelError
from servicecenter.models import AuditEvent, Company, Hall, Membership, User, Window


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["role", "hall", "company", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    list_display = [
        "username",
        "last_name",
        "first_name",
        "staff_number",
        "is_active",
        "must_change_password",
    ]
    search_fields = ["username", "first_name", "last_name", "staff_number"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Service center"), {"fields": ["staff_number", "photo", "must_change_password"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "last_name", "first_name", "staff_number", "password1", "password2"]}),
    ]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # An account made by an administrator carries a password its owner has not chosen.
            services.mark_created_by_admin(user=obj, by=request.user)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            # The form has set the password; like any reset it is temporary, ends API tokens and lockouts.
            services.password_set_by_admin(user=User.objects.get(pk=id), by=request.user)
        return response


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0


@admin.register(Company)
class CompanyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code"]


@admin.register(Hall)
class HallAdmin(SimpleHistoryAdmin):
    list_display = ["name", "company", "code", "cutoff", "is_active"]
    list_filter = ["company", "is_active"]
    inlines = [WindowInline]


class MembershipForm(forms.ModelForm):
    """Refuses in the form what grant_role would refuse, so that the admin never half-saves."""

    acting_user: User  # set per request by MembershipAdmin.get_form

    class Meta:
        model = Membership
        fields = ["user", "role", "hall", "company"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            services.check_grant(
                user=data["user"],
                role=data["role"],
                hall=data.get("hall"),
                company=data.get("company"),
                by=self.acting_user,
            )
        except KernelError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    """Roles are granted and revoked through the services, so each change leaves an audit event.
    Memberships are never edited or deleted here: "Revoke selected roles" takes them away."""

    form = MembershipForm
    list_display = ["user", "role", "hall", "company", "created_at"]
    list_filter = ["role", "company", "hall"]
    search_fields = ["user__username", "user__last_name", "user__first_name"]
    autocomplete_fields = ["user"]
    actions = ["revoke_roles"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # A class of its own for this request: the form knows who acts, without shared state.
        return type(form.__name__, (form,), {"acting_user": request.user})

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        membership = services.grant_role(
            user=obj.user, role=obj.role, hall=obj.hall, company=obj.company, by=request.user
        )
        obj.pk = membership.pk

    @admin.action(description=_("Revoke selected roles"), permissions=["change"])
    def revoke_roles(self, request, queryset):
        revoked = 0
        for membership in queryset.select_related("user"):
            try:
                services.revoke_role(membership=membership, by=request.user)
            except KernelError as exc:
                self.message_user(request, f"{membership}: {exc.message}", level=messages.ERROR)
            else:
                revoked += 1
        if revoked:
            self.message_user(
                request, _("%(count)d roles revoked.") % {"count": revoked}, level=messages.SUCCESS
            )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "username", "hall", "subject", "ip_address"]
    list_filter = ["kind", "hall"]
    search_fields = ["username", "subject"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
