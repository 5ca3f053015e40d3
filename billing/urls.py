"""Billing's pages: each views module lists its own URL patterns."""

from billing.views import corrections, days, home, payments, reconciliation, stock, tills

urlpatterns = [
    *tills.urlpatterns,
    *payments.urlpatterns,
    *days.urlpatterns,
    *stock.urlpatterns,
    *corrections.urlpatterns,
    *reconciliation.urlpatterns,
    *home.urlpatterns,
]
