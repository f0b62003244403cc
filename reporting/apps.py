from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self) -> None:
        from reporting import signals  # noqa: F401  (rollup stale marks, counted events)

        post_migrate.connect(_fill_counted_events, sender=self)


def _fill_counted_events(using: str = "default", **kwargs: Any) -> None:
    """A database migrated to the counted tables (or restored without them) gets their rows
    once, from the current schema's models: the migration itself cannot use them."""
    from events.models import AdverseEvent, InfusionSession
    from reporting.counted_events import counted_events_rebuild
    from reporting.models import CountedEvent, CountedSession

    missing_events = (
        not CountedEvent.objects.using(using).exists()
        and AdverseEvent.objects.using(using).exists()
    )
    missing_sessions = (
        not CountedSession.objects.using(using).exists()
        and InfusionSession.objects.using(using).exists()
    )
    if missing_events or missing_sessions:
        counted_events_rebuild(using)
