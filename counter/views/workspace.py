"""workspace pages."""

urlpatterns: list = []
