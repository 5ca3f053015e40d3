"""URL map: the kernel's pages and API, and each app's under its own prefix."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from servicecenter import api
from servicecenter.views import auth, halls, health

api_v1 = [
    path("me/", api.MeView.as_view(), name="api_me"),
    path("auth/token/", api.ObtainTokenView.as_view(), name="api_token"),
    path("halls/", api.HallListView.as_view(), name="api_halls"),
    path("halls/<int:hall_id>/", api.HallDetailView.as_view(), name="api_hall"),
    path("halls/<int:hall_id>/business-day/", api.BusinessDayView.as_view(), name="api_business_day"),
    path("halls/<int:hall_id>/audit-events/", api.AuditEventListView.as_view(), name="api_audit_events"),
    path("", include("counter.api.urls")),
    path("", include("billing.api.urls")),
]

urlpatterns = [
    # The API first: its paths meet no page's, and a request to it is then not tried against every page.
    path("api/v1/", include(api_v1)),
    path("", halls.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.logout, name="logout"),
    path("password/", auth.password_change, name="password_change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", health.healthz, name="healthz"),
    path("halls/switch/", halls.switch_hall, name="switch_hall"),
    path("halls/<int:hall_id>/", halls.hall_home, name="hall_home"),
    path("halls/<int:hall_id>/today/", halls.hall_today, name="hall_today"),
    path("halls/<int:hall_id>/staff/", halls.staff, name="hall_staff"),
    path("halls/<int:hall_id>/audit/", halls.audit_log, name="hall_audit"),
    path("", include("counter.urls")),
    path("", include("billing.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "servicecenter.views.errors.not_found"
handler403 = "servicecenter.views.errors.permission_denied"
handler500 = "servicecenter.views.errors.server_error"
