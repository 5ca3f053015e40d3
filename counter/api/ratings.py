"""API: ratings."""

urlpatterns: list = []
