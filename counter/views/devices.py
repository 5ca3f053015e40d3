"""devices pages."""

urlpatterns: list = []
