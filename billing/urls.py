"""Billing's pages: each views module lists its own URL patterns."""

from billing.views import (
    company,
    corrections,
    dashboard,
    days,
    home,
    payments,
    periods,
    reconciliation,
    statements,
    stock,
    tills,
)

urlpatterns = [
    *tills.urlpatterns,
    *payments.urlpatterns,
    *days.urlpatterns,
    *periods.urlpatterns,
    *company.urlpatterns,
    *statements.urlpatterns,
    *dashboard.urlpatterns,
    *stock.urlpatterns,
    *corrections.urlpatterns,
    *reconciliation.urlpatterns,
    *home.urlpatterns,
]
