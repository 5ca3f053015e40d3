"""site pages."""

urlpatterns: list = []
