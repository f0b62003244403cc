"""Celery tasks of the reporting app."""

from celery import shared_task

from reporting.rollups import rollups_refresh


@shared_task(name="reporting.refresh_rollups", ignore_result=True)
def refresh_rollups() -> None:
    """Recompute the stale monthly rollups (scheduled by Celery beat, CELERY_BEAT_SCHEDULE)."""
    rollups_refresh()
