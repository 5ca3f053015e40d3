"""API: site."""

urlpatterns: list = []
