from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Clinical record"

    def ready(self) -> None:
        from events.accounts import receivers  # noqa: F401  (lockouts, session clock)
