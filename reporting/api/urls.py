from django.urls import path

from reporting.api.signals import SignalDetailApi, SignalListApi, SignalReviewApi
from reporting.api.views import SafetySummaryApi

urlpatterns = [
    path("summary/", SafetySummaryApi.as_view(), name="api-reporting-summary"),
    path("signals/", SignalListApi.as_view(), name="api-reporting-signals"),
    path("signals/<str:key>/", SignalDetailApi.as_view(), name="api-reporting-signal"),
    path(
        "signals/<str:key>/review/", SignalReviewApi.as_view(), name="api-reporting-signal-review"
    ),
]
