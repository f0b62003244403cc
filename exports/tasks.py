"""Celery tasks of the exports app."""

from celery import shared_task

from exports.services import export_job_run


@shared_task(name="exports.run_export_job", acks_late=True, ignore_result=True)
def run_export_job(job_id: int) -> None:
    """Produce an export job's file (see `exports.services.export_job_run`)."""
    export_job_run(job_id)
