from django.urls import path

from reporting.api.views import SafetySummaryApi

urlpatterns = [
    path("summary/", SafetySummaryApi.as_view(), name="api-reporting-summary"),
]
