"""Export jobs: queueing one, running it in a worker with its progress, putting back those
whose worker stopped, and downloading the finished file.

Job status changes are audited saves attributed to the person who asked for the export, under
the audit source `task:export`. A job's file is written next to its final name and renamed
when complete, so a download never sees half a file. Finishing a job writes the export's
access-log row, as a direct download does.
"""

import logging
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone

from audit.context import audit_context
from audit.services import Actor, access_log_export, access_log_view, audited_save
from events.access import ALL_SITES, visible_site_ids
from exports.filenames import ExportFile
from exports.models import ExportJob, ExportJobStatus, ExportKind
from exports.services.job_writers import JOB_WRITERS
from reporting.filters import ReportFilters

logger = logging.getLogger(__name__)


def export_job_request(
    *,
    actor: Actor,
    kind: ExportKind | str,
    filters: ReportFilters | Mapping[str, str],
) -> ExportJob:
    """Queue an export of `kind` for `actor`; a worker takes it once this transaction commits.

    The sites a report job may contain are stored with it, for
    `exports.selectors.can_download`; a job of the audit log is for its requester alone.
    """
    job = ExportJob(requested_by=actor, kind=kind)
    if isinstance(filters, ReportFilters):
        job.filters = filters.as_dict()
        job.site_ids, job.all_sites = _report_sites(actor, filters)
    else:
        job.filters = dict(filters)
    with transaction.atomic():
        audited_save(job, actor=actor, reason="Export requested")
        transaction.on_commit(lambda: _dispatch(job.pk))
    return job


def _report_sites(actor: Actor, filters: ReportFilters) -> tuple[list[int], bool]:
    visible = visible_site_ids(actor)
    if visible is ALL_SITES:
        return sorted(filters.site_ids), not filters.site_ids
    wanted = set(filters.site_ids) or visible
    return sorted(wanted & visible), False


def _dispatch(job_id: int) -> None:
    """Hand a committed job to the configured runner (`settings.EXPORT_JOB_RUNNER`)."""
    runner = settings.EXPORT_JOB_RUNNER
    if runner == "celery":
        from exports.tasks import run_export_job

        run_export_job.delay(job_id)
    elif runner == "thread":
        from exports.worker import export_worker_wake

        export_worker_wake()
    # "manual": the job waits for `export_jobs_drain` (tests, or an operator's command).


def export_jobs_drain() -> list[ExportJob]:
    """Run every queued job, oldest first, after putting interrupted ones back in the queue.
    Returns the jobs this call ran (another worker may have taken some)."""
    export_jobs_resume()
    ran = []
    for job_id in (
        ExportJob.objects.filter(status=ExportJobStatus.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        job = export_job_run(job_id)
        if job is not None:
            ran.append(job)
    return ran


def export_jobs_resume() -> list[ExportJob]:
    """Queue again the running jobs whose worker stopped (a restart, a crash): those that have
    not recorded progress for `settings.EXPORT_JOB_STALE_SECONDS`. They start over."""
    stale_before = timezone.now() - timedelta(seconds=settings.EXPORT_JOB_STALE_SECONDS)
    resumed = []
    with audit_context(source="task:export"):
        for job in ExportJob.objects.select_related("requested_by").filter(
            status=ExportJobStatus.RUNNING, heartbeat_at__lt=stale_before
        ):
            _record(
                job, "Export interrupted; queued again", status=ExportJobStatus.QUEUED, progress=0
            )
            resumed.append(job)
    return resumed


def export_job_run(job_id: int) -> ExportJob | None:
    """Produce a queued job's file. Returns None when the job is no longer queued (another
    worker took it, or a redelivered task). Failures are recorded on the job with their
    reason, never raised."""
    with audit_context(source="task:export"):
        job = _claim(job_id)
        if job is None:
            return None
        try:
            file_name, row_count = _write(job)
        except Exception as error:
            logger.exception("Export job %s failed", job.pk)
            _record(
                job,
                "Export failed",
                status=ExportJobStatus.FAILED,
                error=_reason(error),
                finished_at=timezone.now(),
            )
            return job
        _record(
            job,
            "Export finished",
            status=ExportJobStatus.DONE,
            progress=100,
            row_count=row_count,
            file_name=file_name,
            finished_at=timezone.now(),
        )
        access_log_export(
            actor=job.requested_by,
            request=None,
            record=job,
            row_count=row_count,
            filters=job.filters,
            extra={"kind": job.kind, "job_id": job.pk},
        )
        return job


def _claim(job_id: int) -> ExportJob | None:
    """Mark a queued job running, in a transaction that locks it (SQLite's IMMEDIATE
    transactions admit one writer), so two workers never run the same job."""
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update(of=("self",))
            .select_related("requested_by")
            .get(pk=job_id)
        )
        if job.status != ExportJobStatus.QUEUED:
            return None
        now = timezone.now()
        _record(job, "Export started", status=ExportJobStatus.RUNNING, started_at=now)
    return job


def _record(job: ExportJob, reason: str, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(job, name, value)
    job.heartbeat_at = timezone.now()
    job.version += 1
    with transaction.atomic():
        audited_save(job, actor=job.requested_by, reason=reason)


def _reason(error: Exception) -> str:
    if isinstance(error, OSError):
        return f"The export file could not be written ({error.strerror or error})."
    return f"The export could not be produced: {error}"[:1000]


def _write(job: ExportJob) -> tuple[str, int]:
    directory = Path(settings.EXPORTS_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob(f"job-{job.pk}-*.part"):
        leftover.unlink()  # from a run that was interrupted
    _, extension, _ = job.file_type
    file_name = f"job-{job.pk}-{secrets.token_hex(8)}.{extension}"
    partial = directory / (file_name + ".part")
    progress = ProgressRecorder(job)
    with partial.open("wb") as out:
        JOB_WRITERS[ExportKind(job.kind)](out, job, progress)
    partial.rename(directory / file_name)
    return file_name, progress.rows


class ProgressRecorder:
    """Records progress on the job in steps of 5%, each an audited save of its own. A save
    also serves as the job's heartbeat, so at least one is made every `HEARTBEAT`: a job that
    stops beating belongs to a worker that is gone (`export_jobs_resume`)."""

    STEP = 5
    HEARTBEAT = timedelta(seconds=30)

    def __init__(self, job: ExportJob):
        self.job = job
        self.rows = 0

    def expect(self, rows: int) -> None:
        # Counted by the worker, not the request; saved with the next progress step.
        self.job.expected_rows = rows

    def __call__(self, rows: int) -> None:
        self.rows = rows
        expected = self.job.expected_rows
        percent = min(99, rows * 100 // expected) if expected else self.job.progress
        last_beat = self.job.heartbeat_at or self.job.created_at
        beat_due = timezone.now() - last_beat >= self.HEARTBEAT
        if percent >= self.job.progress + self.STEP or beat_due:
            _record(self.job, "Export progress", progress=percent)


def export_job_file(job: ExportJob) -> Path:
    return Path(settings.EXPORTS_DIR) / job.file_name


def export_job_download(*, actor: Actor, job: ExportJob, request: HttpRequest | None) -> ExportFile:
    """The finished file of a job (`job` from `exports.selectors.export_job_get`), its
    download written to the access log."""
    path = export_job_file(job)
    if not job.file_name or not path.is_file():
        raise Http404("This export has no file (yet).")
    access_log_view(
        actor=actor,
        request=request,
        record=job,
        row_count=job.row_count,
        filters=job.filters,
        extra={"kind": job.kind, "download": True},
    )
    _, _, content_type = job.file_type
    return ExportFile(path.open("rb"), job.download_name, content_type)
