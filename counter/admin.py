"""The counter's configuration in the admin: business types and their documents, ticket queues, queue
settings, checklists and incident handling steps. Business records are changed only through the services."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from counter.models import (
    BusinessType,
    ChecklistItem,
    CounterSettings,
    IncidentStepTemplate,
    RequiredDocument,
    TicketCategory,
)

FIELD_TYPES = {"line", "text", "date", "phone", "id_number", "reading"}


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 1


class BusinessTypeForm(forms.ModelForm):
    class Meta:
        model = BusinessType
        fields = ["code", "name", "workflow", "fields", "reply_days", "sort", "is_active"]

    def clean_fields(self):
        fields = self.cleaned_data["fields"]
        if not isinstance(fields, list):
            raise forms.ValidationError(_("The fields are a list."))
        names = set()
        for spec in fields:
            if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"]:
                raise forms.ValidationError(_("Each field needs a name."))
            if spec["name"] in names:
                raise forms.ValidationError(_("Field %(name)s appears twice.") % {"name": spec["name"]})
            names.add(spec["name"])
            if spec.get("type", "line") not in FIELD_TYPES:
                raise forms.ValidationError(
                    _("Field %(name)s: the type must be one of %(types)s.")
                    % {"name": spec["name"], "types": ", ".join(sorted(FIELD_TYPES))}
                )
            if not isinstance(spec.get("label", ""), str):
                raise forms.ValidationError(_("Field %(name)s: the label is text.") % {"name": spec["name"]})
        return fields


@admin.register(BusinessType)
class BusinessTypeAdmin(SimpleHistoryAdmin):
    form = BusinessTypeForm
    list_display = ["code", "name", "workflow", "reply_days", "is_active", "sort"]
    list_filter = ["workflow", "is_active"]
    inlines = [RequiredDocumentInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TicketCategory)
class TicketCategoryAdmin(SimpleHistoryAdmin):
    list_display = ["hall", "prefix", "name", "is_active", "sort"]
    list_filter = ["hall", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CounterSettings)
class CounterSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["hall", "no_show_after_calls", "announce_times"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(SimpleHistoryAdmin):
    list_display = ["hall", "kind", "section", "text", "is_active", "sort"]
    list_filter = ["hall", "kind", "section", "is_active"]


@admin.register(IncidentStepTemplate)
class IncidentStepTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["hall", "kind", "text", "is_active", "sort"]
    list_filter = ["hall", "kind", "is_active"]
