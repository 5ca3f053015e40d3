"""complaints pages."""

urlpatterns: list = []
