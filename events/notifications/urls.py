from django.urls import path

from events.notifications import views

urlpatterns = [
    path("", views.notification_list_view, name="notification-list"),
    path("<int:pk>/open/", views.notification_open, name="notification-open"),
    path("read/", views.notification_mark_all_read_view, name="notification-mark-all-read"),
    path("choices/", views.notification_choices_save, name="notification-choices"),
]
