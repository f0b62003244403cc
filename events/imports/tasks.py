"""Celery tasks of the imports app."""

from celery import shared_task

from events.imports.services import import_job_run


@shared_task(name="imports.run_import_job", acks_late=True, ignore_result=True)
def run_import_job(job_id: int) -> None:
    """Run an import job (see `events.imports.services.import_job_run`)."""
    import_job_run(job_id)
