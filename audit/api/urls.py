"""The audit API, mounted at /api/v1/audit/ (read-only)."""

from django.urls import path

from audit.api import views

app_name = "audit-api"

urlpatterns = [
    path("history/<str:label>/<int:pk>/", views.RecordHistoryApi.as_view(), name="history"),
    path("log/", views.AuditLogApi.as_view(), name="log"),
    path("access/", views.AccessLogApi.as_view(), name="access-log"),
    path("verification/", views.VerificationStatusApi.as_view(), name="verification"),
]
