"""queue pages."""

urlpatterns: list = []
