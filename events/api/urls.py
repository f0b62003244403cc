"""The REST API, version 1 (mounted at /api/v1/). See docs/api.md."""

from django.urls import path

from events.api.views import (
    adverse_events,
    auth,
    duplicates,
    patients,
    reference,
    sessions,
    vitals,
)
from events.inquiries.api.urls import urlpatterns as inquiry_urlpatterns

app_name = "api"

urlpatterns = [
    path("auth/token/", auth.TokenObtainApi.as_view(), name="token"),
    path("auth/tokens/", auth.TokenListApi.as_view(), name="token-list"),
    path("auth/tokens/<int:pk>/revoke/", auth.TokenRevokeApi.as_view(), name="token-revoke"),
    path("patients/", patients.PatientListCreateApi.as_view(), name="patient-list"),
    path("patients/<int:pk>/", patients.PatientDetailApi.as_view(), name="patient-detail"),
    path("sessions/", sessions.InfusionSessionListCreateApi.as_view(), name="session-list"),
    path(
        "sessions/<int:pk>/",
        sessions.InfusionSessionDetailApi.as_view(),
        name="session-detail",
    ),
    path(
        "sessions/<int:pk>/finish/",
        sessions.InfusionSessionFinishApi.as_view(),
        name="session-finish",
    ),
    path(
        "sessions/<int:pk>/discharge/",
        sessions.InfusionSessionDischargeApi.as_view(),
        name="session-discharge",
    ),
    path("sessions/<int:pk>/void/", sessions.InfusionSessionVoidApi.as_view(), name="session-void"),
    path("sessions/<int:pk>/vitals/", vitals.VitalSignListCreateApi.as_view(), name="vital-list"),
    path("vitals/<int:pk>/void/", vitals.VitalSignVoidApi.as_view(), name="vital-void"),
    path(
        "sessions/<int:pk>/suggestions/",
        vitals.AlertSuggestionListApi.as_view(),
        name="suggestion-list",
    ),
    path(
        "suggestions/<int:pk>/", vitals.AlertSuggestionDetailApi.as_view(), name="suggestion-detail"
    ),
    path(
        "suggestions/<int:pk>/confirm/",
        vitals.AlertSuggestionConfirmApi.as_view(),
        name="suggestion-confirm",
    ),
    path(
        "suggestions/<int:pk>/dismiss/",
        vitals.AlertSuggestionDismissApi.as_view(),
        name="suggestion-dismiss",
    ),
    path("events/", adverse_events.AdverseEventListCreateApi.as_view(), name="event-list"),
    path("duplicates/", duplicates.DuplicatePairListApi.as_view(), name="duplicate-list"),
    path("duplicates/void/", duplicates.DuplicateVoidApi.as_view(), name="duplicate-void"),
    path(
        "duplicates/dismissals/",
        duplicates.DuplicateDismissApi.as_view(),
        name="duplicate-dismissal-list",
    ),
    path("events/<int:pk>/", adverse_events.AdverseEventDetailApi.as_view(), name="event-detail"),
    path(
        "events/<int:pk>/submit/",
        adverse_events.AdverseEventSubmitApi.as_view(),
        name="event-submit",
    ),
    path(
        "events/<int:pk>/assess/",
        adverse_events.AdverseEventAssessApi.as_view(),
        name="event-assess",
    ),
    path(
        "events/<int:pk>/sign-off/",
        adverse_events.AdverseEventSignOffApi.as_view(),
        name="event-sign-off",
    ),
    path("events/<int:pk>/void/", adverse_events.AdverseEventVoidApi.as_view(), name="event-void"),
    path("review-queue/", adverse_events.ReviewQueueApi.as_view(), name="review-queue"),
    path("terms/", reference.EventTermListApi.as_view(), name="term-list"),
    path("terms/<slug:code>/", reference.EventTermDetailApi.as_view(), name="term-detail"),
    path("sites/", reference.SiteListApi.as_view(), name="site-list"),
    path("sites/<int:pk>/", reference.SiteDetailApi.as_view(), name="site-detail"),
    path(
        "sites/<int:pk>/thresholds/", reference.SiteThresholdsApi.as_view(), name="site-thresholds"
    ),
]
# Questions, comments and attachments on events (events.inquiries).
urlpatterns += inquiry_urlpatterns
