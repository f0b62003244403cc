from django.urls import path

from events.imports import views

urlpatterns = [
    path("", views.import_home, name="import-home"),
    path("templates/<slug:name>.csv", views.import_template, name="import-template"),
    path("jobs/<int:pk>/", views.import_job, name="import-job"),
    path("jobs/<int:pk>/status/", views.import_job_status, name="import-job-status"),
    path("jobs/<int:pk>/map/", views.import_job_map, name="import-job-map"),
    path("jobs/<int:pk>/commit/", views.import_job_commit, name="import-job-commit"),
    path("jobs/<int:pk>/report.csv", views.import_job_report, name="import-job-report"),
]
