"""customers pages."""

urlpatterns: list = []
