from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Messages to people about records: serious events, the daily review digest (and the
    kinds other features add), each in an in-app list and by e-mail through Celery."""

    name = "events.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"
