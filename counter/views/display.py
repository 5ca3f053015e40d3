"""display pages."""

urlpatterns: list = []
