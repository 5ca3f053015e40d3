"""Billing's API endpoints, mounted under /api/v1/ by the project's URL map."""

from billing.api import company, days, payments, receipts, reports, reversals, tills

urlpatterns = [
    *tills.urlpatterns,
    *payments.urlpatterns,
    *receipts.urlpatterns,
    *days.urlpatterns,
    *reversals.urlpatterns,
    *reports.urlpatterns,
    *company.urlpatterns,
]
