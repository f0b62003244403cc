from django.urls import path

from reporting.api.views import BenefitRiskApi, SafetySummaryApi

urlpatterns = [
    path("summary/", SafetySummaryApi.as_view(), name="api-reporting-summary"),
    path("benefit-risk/", BenefitRiskApi.as_view(), name="api-reporting-benefit-risk"),
]
