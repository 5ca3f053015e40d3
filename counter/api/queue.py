"""API: queue."""

urlpatterns: list = []
