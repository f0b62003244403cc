from django.urls import path

from reporting import signal_views, views

urlpatterns = [
    path("", views.dashboard, name="reports-dashboard"),
    path("events/", views.event_list, name="reports-event-list"),
    path("signals/<str:key>/", signal_views.signal_detail, name="reports-signal"),
]
