from django.urls import path

from exports import views_audit

urlpatterns: list = [
    path(
        "audit/trail/<str:label>/<int:pk>.<str:fmt>",
        views_audit.audit_trail_export,
        name="audit-trail-export",
    ),
    path("audit/log.<str:fmt>", views_audit.audit_log_export, name="audit-log-export"),
]
