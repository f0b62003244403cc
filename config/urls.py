from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic.base import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    # For clients that ask for /favicon.ico without reading the page's <link rel="icon">.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    # Ours first: the login view with lockout and the second factor wins over Django's.
    path("accounts/", include("events.accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/audit/", include("audit.api.urls")),
    path("api/v1/reporting/", include("reporting.api.urls")),
    path("api/v1/exports/", include("exports.api.urls")),
    path("api/v1/", include("events.api.urls")),
    path("audit/", include("audit.urls")),
    path("reports/", include("reporting.urls")),
    path("exports/", include("exports.urls")),
    path("", include("events.urls")),
]

handler404 = "events.api.errors.not_found"
handler500 = "events.views.errors.server_error"
