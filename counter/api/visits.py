"""API: visits."""

urlpatterns: list = []
