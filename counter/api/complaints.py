"""API: complaints."""

urlpatterns: list = []
