from django.urls import path

from exports.api import views

urlpatterns: list = [
    path("listing.csv", views.ListingCsvApi.as_view(), name="api-export-listing-csv"),
    path("summary.pdf", views.SummaryPdfApi.as_view(), name="api-export-summary-pdf"),
    path("fhir/", views.FhirBundleApi.as_view(), name="api-export-fhir"),
    path("scores.csv", views.ScoresCsvApi.as_view(), name="api-export-scores-csv"),
    path("scores-fhir/", views.ScoresFhirApi.as_view(), name="api-export-scores-fhir"),
    path("benefit-risk.csv", views.BenefitRiskCsvApi.as_view(), name="api-export-benefit-risk-csv"),
    path("e2b/", views.E2bBatchApi.as_view(), name="api-export-e2b"),
    path("jobs/", views.ExportJobCreateApi.as_view(), name="api-export-jobs"),
    path("jobs/<int:pk>/", views.ExportJobDetailApi.as_view(), name="api-export-job"),
    path(
        "jobs/<int:pk>/download/",
        views.ExportJobDownloadApi.as_view(),
        name="api-export-job-download",
    ),
]
