"""bills pages."""

urlpatterns: list = []
