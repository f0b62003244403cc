from django.urls import path

from reporting import signal_views, views

urlpatterns = [
    path("", views.dashboard, name="reports-dashboard"),
    path("overview/", views.dashboard_overview, name="reports-overview"),
    path("tables/", views.dashboard_tables, name="reports-tables"),
    path("events/", views.event_list, name="reports-event-list"),
    path("signals/<str:key>/", signal_views.signal_detail, name="reports-signal"),
    path("sessions/", views.session_list, name="reports-session-list"),
]
