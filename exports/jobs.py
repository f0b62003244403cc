"""Export jobs: request one, run it (in a Celery worker, or in-process when no broker is
configured), and decide who may download its file.

Every status change is an audited save attributed to the person who asked for the export,
under the audit source `task:export`. The file is written next to its final name and renamed
when complete, so a download never sees half a file. Finishing a job writes the export's
access-log row (kind, filters, row count), as a direct download does.
"""

import json
import logging
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils import timezone

from audit.context import audit_context
from audit.models import AccessAction
from audit.services import access_log_record, audited_save
from events.access import ALL_SITES, DIRECTORS, roles_at, visible_site_ids
from exports.csv_listing import listing_csv_chunks
from exports.fhir import FHIR_MEDIA_TYPE, bundle_entries, bundle_header, fhir_event_queryset
from exports.models import ExportJob, ExportJobStatus, ExportKind
from reporting.filters import ReportFilters
from reporting.selectors import event_listing

logger = logging.getLogger(__name__)

FHIR_PAGE = 500


def export_job_request(
    *, actor, kind: ExportKind | str, filters: ReportFilters, expected_rows: int | None = None
) -> ExportJob:
    """Queue an export of `kind` for `actor`; it starts once this transaction commits."""
    visible = visible_site_ids(actor)
    if visible is ALL_SITES:
        site_ids, all_sites = sorted(filters.site_ids), not filters.site_ids
    else:
        wanted = set(filters.site_ids) or visible
        site_ids, all_sites = sorted(wanted & visible), False
    job = ExportJob(
        requested_by=actor,
        kind=kind,
        filters=filters.as_dict(),
        site_ids=site_ids,
        all_sites=all_sites,
        expected_rows=expected_rows,
    )
    with transaction.atomic():
        audited_save(job, actor=actor, reason="Export requested")
        transaction.on_commit(lambda: _dispatch(job.pk))
    return job


def _dispatch(job_id: int) -> None:
    from exports.tasks import run_export_job

    run_export_job.delay(job_id)


def _record(job: ExportJob, reason: str, **changes) -> None:
    for name, value in changes.items():
        setattr(job, name, value)
    job.version += 1
    with transaction.atomic():
        audited_save(job, actor=job.requested_by, reason=reason)


def export_job_run(job_id: int) -> ExportJob:
    """Produce a queued job's file. A job that is no longer queued (a redelivered task) is
    left as it is. Failures are recorded on the job with their reason, never raised."""
    with audit_context(source="task:export"):
        job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
        if job.status != ExportJobStatus.QUEUED:
            return job
        _record(job, "Export started", status=ExportJobStatus.RUNNING, started_at=timezone.now())
        try:
            filters = ReportFilters.from_query(_as_query(job.filters))
            file_name, row_count = _write(job, filters)
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
        access_log_record(
            user=job.requested_by,
            action=AccessAction.EXPORT,
            object_type="exportjob",
            object_id=job.pk,
            row_count=row_count,
            detail={"kind": job.kind, "filters": job.filters, "job_id": job.pk},
        )
        return job


def _reason(error: Exception) -> str:
    if isinstance(error, OSError):
        return f"The export file could not be written ({error.strerror or error})."
    return f"The export could not be produced: {error}"[:1000]


def _as_query(filters: dict) -> dict:
    """`ReportFilters.as_dict()` back into query parameters for `ReportFilters.from_query`."""
    query = {}
    for name, value in filters.items():
        parameter = ReportFilters.PARAMETERS[name]
        if isinstance(value, bool):
            value = "true" if value else "false"
        query[parameter] = [str(item) for item in value] if isinstance(value, list) else value
    return query


def _write(job: ExportJob, filters: ReportFilters) -> tuple[str, int]:
    directory = Path(settings.EXPORTS_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    extension = "csv" if job.kind == ExportKind.LISTING_CSV else "json"
    file_name = f"job-{job.pk}-{secrets.token_hex(8)}.{extension}"
    partial = directory / (file_name + ".part")
    progress = _ProgressRecorder(job)
    with partial.open("wb") as out:
        if job.kind == ExportKind.LISTING_CSV:
            for chunk in listing_csv_chunks(job.requested_by, filters, on_progress=progress):
                out.write(chunk)
        else:
            _write_fhir(out, job, filters, progress)
    partial.rename(directory / file_name)
    return file_name, progress.rows


def _write_fhir(out, job: ExportJob, filters: ReportFilters, progress) -> None:
    events = fhir_event_queryset(event_listing(job.requested_by, filters).order_by("id"))
    header = json.dumps(bundle_header(generated_at=timezone.now()))
    out.write(header[:-1].encode() + b', "entry": [')
    rows = 0
    for index, entry in enumerate(bundle_entries(events.iterator(chunk_size=FHIR_PAGE))):
        out.write((b",\n" if index else b"\n") + json.dumps(entry).encode())
        if entry["resource"]["resourceType"] == "AdverseEvent":
            rows += 1
            if rows % FHIR_PAGE == 0:
                progress(rows)
    out.write(b"\n]}\n")
    progress.rows = rows


class _ProgressRecorder:
    """Records progress on the job in steps of 5%, each an audited save of its own."""

    STEP = 5

    def __init__(self, job: ExportJob):
        self.job = job
        self.rows = 0

    def __call__(self, rows: int) -> None:
        self.rows = rows
        expected = self.job.expected_rows
        if not expected:
            return
        percent = min(99, rows * 100 // expected)
        if percent >= self.job.progress + self.STEP:
            _record(self.job, "Export progress", progress=percent)


def export_job_file(job: ExportJob) -> Path:
    return Path(settings.EXPORTS_DIR) / job.file_name


JOB_CONTENT_TYPES = {
    ExportKind.LISTING_CSV: "text/csv; charset=utf-8",
    ExportKind.FHIR_BUNDLE: FHIR_MEDIA_TYPE,
}


def export_job_download(request, job: ExportJob) -> FileResponse:
    """The finished file of a job, its download written to the access log."""
    path = export_job_file(job)
    if not job.file_name or not path.is_file():
        raise Http404("This export has no file (yet).")
    access_log_record(
        user=request.user,
        action=AccessAction.VIEW,
        request=request,
        object_type="exportjob",
        object_id=job.pk,
        row_count=job.row_count,
        detail={"kind": job.kind, "filters": job.filters, "download": True},
    )
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.download_name,
        content_type=JOB_CONTENT_TYPES.get(job.kind, "application/octet-stream"),
    )


def can_download(user, job: ExportJob) -> bool:
    """The requester, or a medical director who sees every site the file may contain."""
    if job.requested_by_id == user.pk:
        return True
    visible = visible_site_ids(user)
    if job.all_sites:
        return visible is ALL_SITES and bool(roles_at(user, None) & set(DIRECTORS))
    return bool(job.site_ids) and all(
        roles_at(user, site_id) & set(DIRECTORS) for site_id in job.site_ids
    )
