from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from servicecenter import navigation

        menu = [
            (_("My till"), "billing_my_till", ("billing.take_payment",)),
            (_("Tills"), "billing_tills", ("billing.view_till",)),
            (
                _("Corrections"),
                "billing_corrections",
                ("billing.approve_payment_void", "billing.request_reversal", "billing.view_reversal"),
            ),
        ]
        reports = [
            (_("Dashboard"), "billing_dashboard", ("billing.view_dailyreport",)),
            (_("Daily report"), "billing_day", ("billing.view_dailyreport",)),
            (_("Weekly and monthly"), "billing_month", ("billing.view_dailyreport",)),
            (_("Monthly statements"), "billing_statements", ("billing.view_statement",)),
            (_("All halls of the company"), "billing_company_month", ("billing.view_companyreport",)),
        ]
        manage = [
            (_("Receipt books"), "billing_books", ("billing.view_receiptbook",)),
            (_("Reconciliation"), "billing_reconciliation", ("billing.reconcile",)),
        ]
        for order, (label, url_name, perms) in enumerate(menu, start=30):
            navigation.register(label, url_name, perms=perms, order=order)
        for order, (label, url_name, perms) in enumerate(reports, start=50):
            navigation.register(label, url_name, perms=perms, order=order, group="reports")
        for order, (label, url_name, perms) in enumerate(manage, start=60):
            navigation.register(label, url_name, perms=perms, order=order, group="manage")
        navigation.register_home_panel(
            "billing_home_panel",
            perms=("billing.take_payment", "billing.view_till", "billing.approve_day"),
            order=20,
        )
        navigation.register_visit_action(
            _("Payment / sale"), "billing_pay", perms=("billing.take_payment",), order=10
        )
