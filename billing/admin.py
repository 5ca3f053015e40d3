"""Billing's configuration in the admin: the price list and the tenders (spec §4.1). Money records — payments,
receipts, tills, reports — are changed only through the services, so they are not editable here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from billing.models import FeeItem, Tender


@admin.register(FeeItem)
class FeeItemAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "kind", "price", "needs_account", "is_active", "order", "company"]
    list_filter = ["company", "kind", "is_active"]
    list_editable = ["price", "is_active", "order"]
    search_fields = ["name", "code"]
    fieldsets = [
        (None, {"fields": ["company", "code", "name", "kind"]}),
        (
            _("Price"),
            {
                "fields": ["price", "needs_account"],
                "description": _(
                    "Leave the price empty when the rep enters the amount (top-ups, quotes). "
                    "Gas bills take their amounts from the bills."
                ),
            },
        ),
        (_("Offer"), {"fields": ["is_active", "order"]}),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Payments point at their fee items: an item is withdrawn (not offered), never deleted.
        return False


@admin.register(Tender)
class TenderAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "kind", "is_active", "order", "company"]
    list_filter = ["company", "kind", "is_active"]
    list_editable = ["is_active", "order"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
