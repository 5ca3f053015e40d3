"""Billing's pages: each views module lists its own URL patterns."""

from billing.views import tills

urlpatterns = [
    *tills.urlpatterns,
]
