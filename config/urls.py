from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic.base import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from exports.api.views import E2bEventApi


class FaviconRedirect(RedirectView):
    """/favicon.ico to the static icon, resolved per request: the hashed name of the
    production static storage exists only once `collectstatic` has run, which must not be
    needed to load the URL map (`check --deploy`, migrations)."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.svg")


urlpatterns = [
    path("admin/", admin.site.urls),
    # For clients that ask for /favicon.ico without reading the page's <link rel="icon">.
    path("favicon.ico", FaviconRedirect.as_view()),
    # Ours first: the login view with lockout and the second factor wins over Django's.
    path("accounts/", include("events.accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/audit/", include("audit.api.urls")),
    path("api/v1/reporting/", include("reporting.api.urls")),
    path("api/v1/exports/", include("exports.api.urls")),
    # An event's E2B(R3) report sits beside the event in the API; the exports app serves it.
    path("api/v1/events/<int:pk>/e2b/", E2bEventApi.as_view(), name="api-event-e2b"),
    path("api/v1/", include("events.api.urls")),
    path("audit/", include("audit.urls")),
    path("reports/", include("reporting.urls")),
    path("exports/", include("exports.urls")),
    path("notifications/", include("events.notifications.urls")),
    path("", include("events.inquiries.urls")),
    path("", include("events.urls")),
]

handler404 = "events.api.errors.not_found"
handler500 = "events.views.errors.server_error"
