"""API: customers."""

urlpatterns: list = []
