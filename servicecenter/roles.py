"""Staff roles (spec §1) and what each may do. The one table that maps roles to permissions.

A permission here is checked per hall (`scoping.has_hall_perm`): holding a role in hall A grants nothing in
hall B. Each role is also a Django group carrying the same permissions, kept in step by `sync_role_groups`,
so that the admin and `user.has_perm` agree with this table.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REP = "rep", _("Counter representative")
    AUDITOR = "auditor", _("Reconciliation auditor")
    SUPERVISOR = "supervisor", _("Supervisor")
    DUTY_MANAGER = "duty_manager", _("Duty manager")
    GREETER = "greeter", _("Greeter")
    FINANCE_AUDITOR = "finance_auditor", _("Finance auditor")
    MANAGER = "manager", _("Manager")


# Roles whose membership spans every hall of the company.
COMPANY_WIDE_ROLES = frozenset({Role.MANAGER})

_EVERYONE = [
    "servicecenter.view_hall",
    "servicecenter.view_window",
    "counter.view_customer",
    "counter.view_gasaccount",
    "counter.view_bill",
    "counter.view_ticket",
    "counter.view_business",
    "counter.view_complaint",
]
# Counter work, by what each post does at the counter (spec §1, §3, §6).
_ISSUE_TICKETS = ["counter.add_ticket"]
_SERVE = [
    "counter.serve_window",
    "counter.handle_business",
    "counter.handle_complaint",
    "counter.report_incident",
]
_FLOOR = [
    "counter.view_floor",
    "counter.supervise_business",
    "counter.handle_business",
    "counter.handle_complaint",
    "counter.unmask_customer",
    "counter.manage_site",
    "counter.report_incident",
    "counter.view_incident",
    "counter.view_rating",
    "counter.view_checklistrun",
]

# Money (spec §4): the rep takes payments into their own till; the auditor runs stock, floats and checks;
# the supervisor approves voids, reversals and the day; the finance auditor and manager read.
_BILLING_READ = [
    "billing.view_payment",
    "billing.view_till",
    "billing.view_receiptbook",
    "billing.view_dailyreport",
    "billing.view_hallday",
    "billing.view_reversal",
    "billing.view_discrepancy",
    "billing.view_ledgerimport",
]
_TAKE_PAYMENTS = ["billing.take_payment"]
# The monthly statement: the auditors' document (spec §1: the auditor produces it, the finance auditor
# reviews and exports it).
_STATEMENTS = ["billing.view_statement", "billing.build_statement"]
_AUDIT_MONEY = [
    *_BILLING_READ,
    "billing.manage_receipt_stock",
    "billing.issue_float",
    "billing.verify_till",
    "billing.reconcile",
    "billing.generate_report",
    "billing.request_reversal",
]
_SUPERVISE_MONEY = [
    *_BILLING_READ,
    # The supervisor also hands out floats and receipt stock — to the auditor covering a counter, above all,
    # who may not issue them to themselves.
    "billing.issue_float",
    "billing.manage_receipt_stock",
    "billing.approve_payment_void",
    "billing.generate_report",
    "billing.approve_day",
    "billing.record_deposit",
    "billing.request_reversal",
    "billing.approve_reversal",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.REP: [*_EVERYONE, *_ISSUE_TICKETS, *_SERVE, *_TAKE_PAYMENTS],
    Role.GREETER: [*_EVERYONE, *_ISSUE_TICKETS, "counter.handle_complaint", "counter.report_incident"],
    Role.AUDITOR: [
        *_EVERYONE,
        "servicecenter.view_membership",
        *_SERVE,
        "counter.unmask_customer",
        "counter.import_bills",
        "counter.view_billimport",
        *_TAKE_PAYMENTS,
        *_AUDIT_MONEY,
        *_STATEMENTS,
    ],
    Role.DUTY_MANAGER: [
        *_EVERYONE,
        "servicecenter.view_membership",
        *_ISSUE_TICKETS,
        *_FLOOR,
        "counter.manage_rating_devices",
        "counter.manage_screens",
    ],
    Role.SUPERVISOR: [
        *_EVERYONE,
        "servicecenter.view_membership",
        "servicecenter.add_membership",
        "servicecenter.delete_membership",
        "servicecenter.view_auditevent",
        *_ISSUE_TICKETS,
        *_FLOOR,
        "counter.manage_rating_devices",
        "counter.manage_screens",
        "counter.import_bills",
        "counter.view_billimport",
        *_SUPERVISE_MONEY,
    ],
    Role.FINANCE_AUDITOR: [
        *_EVERYONE,
        "servicecenter.view_membership",
        "servicecenter.view_auditevent",
        "counter.view_incident",
        "counter.view_rating",
        "counter.view_checklistrun",
        *_BILLING_READ,
        *_STATEMENTS,
    ],
    Role.MANAGER: [
        *_EVERYONE,
        "servicecenter.view_membership",
        "servicecenter.add_membership",
        "servicecenter.delete_membership",
        "servicecenter.view_auditevent",
        "counter.view_floor",
        "counter.supervise_business",
        "counter.unmask_customer",
        "counter.view_incident",
        "counter.view_rating",
        "counter.view_checklistrun",
        *_BILLING_READ,
        # The company's halls side by side (and building that report again with the latest figures).
        "billing.view_companyreport",
        "billing.approve_reversal",
    ],
}
