"""Till pages (being written)."""

urlpatterns = []
