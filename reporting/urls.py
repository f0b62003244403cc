from django.urls import path

from reporting import views

urlpatterns = [
    path("", views.dashboard, name="reports-dashboard"),
    path("events/", views.event_list, name="reports-event-list"),
]
