from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CounterConfig(AppConfig):
    name = "counter"
    verbose_name = _("Counter")

    def ready(self) -> None:
        from servicecenter import navigation

        menu = [
            (_("My window"), "counter_workspace", ("counter.serve_window",)),
            (_("Tickets"), "counter_queue", ("counter.add_ticket",)),
            (_("Floor"), "counter_floor", ("counter.view_floor",)),
            (_("Customers"), "counter_lookup", ("counter.view_customer",)),
            (_("Businesses"), "counter_businesses", ("counter.view_business",)),
            (_("Complaints"), "counter_complaints", ("counter.view_complaint",)),
            (
                _("Site"),
                "counter_site",
                ("counter.manage_site", "counter.view_incident", "counter.report_incident"),
            ),
        ]
        manage = [
            (_("Bill import"), "counter_bill_import", ("counter.import_bills",)),
            (_("Hall screens"), "counter_screens", ("counter.manage_screens",)),
            (_("Rating devices"), "counter_devices", ("counter.manage_rating_devices",)),
        ]
        for order, (label, url_name, perms) in enumerate(menu, start=10):
            navigation.register(label, url_name, perms=perms, order=order)
        for order, (label, url_name, perms) in enumerate(manage, start=50):
            navigation.register(label, url_name, perms=perms, order=order, group="manage")
        navigation.register_home_panel("counter_home_panel", perms=("counter.view_business",), order=10)
