"""Billing's pages: each views module lists its own URL patterns."""

from billing.views import corrections, days, home, payments, periods, reconciliation, stock, tills

urlpatterns = [
    *tills.urlpatterns,
    *payments.urlpatterns,
    *days.urlpatterns,
    *periods.urlpatterns,
    *stock.urlpatterns,
    *corrections.urlpatterns,
    *reconciliation.urlpatterns,
    *home.urlpatterns,
]
