"""Admin for the kernel's configuration: companies, halls and windows; staff accounts and their roles."""

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
        (_("Service center"), {"fields": ["staff_number", "must_change_password"]}),
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


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    """Roles are granted and revoked through the services, so each change leaves an audit event."""

    list_display = ["user", "role", "hall", "company", "created_at"]
    list_filter = ["role", "company", "hall"]
    search_fields = ["user__username", "user__last_name", "user__first_name"]
    autocomplete_fields = ["user"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            membership = services.grant_role(
                user=obj.user, role=obj.role, hall=obj.hall, company=obj.company, by=request.user
            )
        except KernelError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return
        obj.pk = membership.pk

    def delete_model(self, request, obj):
        services.revoke_role(membership=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            services.revoke_role(membership=membership, by=request.user)


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
