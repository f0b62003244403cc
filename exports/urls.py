from django.urls import path

from exports import views

urlpatterns: list = [
    path("events.csv", views.events_csv, name="events-csv"),
    path("events.fhir.json", views.events_fhir, name="events-fhir"),
    path("scores.csv", views.scores_csv, name="scores-csv"),
    path("scores.fhir.json", views.scores_fhir, name="scores-fhir"),
    path("benefit-risk.csv", views.benefit_risk_csv, name="benefit-risk-csv"),
    path("events.e2b.xml", views.events_e2b, name="events-e2b"),
    path("summary.pdf", views.summary_pdf, name="safety-summary-pdf"),
    path("summary/<str:name>.csv", views.summary_table_csv, name="summary-table-csv"),
    path("events/<int:pk>/case-report.pdf", views.event_case_report, name="event-case-report"),
    path("events/<int:pk>/fhir.json", views.event_fhir, name="event-fhir"),
    path("events/<int:pk>/e2b.xml", views.event_e2b, name="event-e2b"),
    path("jobs/<int:pk>/", views.job_detail, name="export-job"),
    path("jobs/<int:pk>/status/", views.job_status, name="export-job-status"),
    path("jobs/<int:pk>/download/", views.job_download, name="export-job-download"),
    path(
        "audit/trail/<str:label>/<int:pk>.<str:fmt>",
        views.audit_trail_export,
        name="audit-trail-export",
    ),
    path("audit/log.<str:fmt>", views.audit_log_export, name="audit-log-export"),
]
