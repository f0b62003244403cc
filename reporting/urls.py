from django.urls import path

from reporting import benefit_risk_views, reference_views, signal_views, views

urlpatterns = [
    path("", views.dashboard, name="reports-dashboard"),
    path("overview/", views.dashboard_overview, name="reports-overview"),
    path("tables/", views.dashboard_tables, name="reports-tables"),
    path("events/", views.event_list, name="reports-event-list"),
    path("signals/<str:key>/", signal_views.signal_detail, name="reports-signal"),
    path("sessions/", views.session_list, name="reports-session-list"),
    path("benefit-risk/", benefit_risk_views.benefit_risk_page, name="reports-benefit-risk"),
    path("reference-rates/", reference_views.reference_rates, name="reports-reference-rates"),
    path(
        "reference-rates/<int:pk>/",
        reference_views.reference_rates,
        name="reports-reference-rate",
    ),
]
