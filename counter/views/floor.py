"""floor pages."""

urlpatterns: list = []
