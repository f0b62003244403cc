"""Every export, one function each: who may have it, what it holds, its file name, and its
access-log row. The web and API views only read the request and shape the answer.

An export whose size grows with the records (the event listing, the FHIR bundle, the audit
log) is always an `ExportJob`: the request answers at once, whatever the size, and a worker
writes the file (`exports.worker` in-process, or Celery with a broker; see `export_job_run`).
Exports of a bounded size (the safety summary, one of its tables, one event, one record's
trail) are returned as an `ExportFile` to send in the response.

Job status changes are audited saves attributed to the person who asked for the export, under
the audit source `task:export`. A job's file is written next to its final name and renamed
when complete, so a download never sees half a file. Finishing a job writes the export's
access-log row, as a direct download does.
"""

import dataclasses
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone

from audit import selectors as ledger
from audit.context import audit_context
from audit.forms import LogFilterForm
from audit.policy import ledger_policy
from audit.services import Actor, access_log_export, access_log_view, audited_save
from events.access import ALL_SITES, visible_site_ids
from events.choices import EventStatus
from events.models import AdverseEvent
from exports import audit_trail
from exports.case_report import case_report_pdf
from exports.csv_listing import listing_csv_chunks, listing_row_count
from exports.e2b import E2B_MEDIA_TYPE, e2b_event_queryset
from exports.e2b.builder import IcsrBuilder, Sender
from exports.fhir import (
    FHIR_MEDIA_TYPE,
    adverse_event_bundle,
    bundle_entries,
    bundle_header,
    fhir_event_queryset,
)
from exports.filenames import CSV, PDF, export_filename
from exports.models import ExportJob, ExportJobStatus, ExportKind
from exports.summary_pdf import AGGREGATE_TABLES, aggregate_csv, safety_summary_pdf
from reporting.filters import ReportFilters
from reporting.selectors import event_listing, require_report_reader, safety_summary

logger = logging.getLogger(__name__)

FHIR_PAGE = 500
# A PDF of more rows than this is unreadable and slow to lay out: it is printed as an extract,
# titled "first N of M entries", and the CSV of the same filters holds the rest.
LOG_PDF_ROW_LIMIT = 500
LOG_CSV_ROW_LIMIT = 200_000


@dataclass(frozen=True)
class ExportFile:
    """A bounded export, ready to send: its bytes (or chunks), name and content type."""

    content: bytes | Iterable[bytes]
    filename: str
    content_type: str


# --- Exports of the safety reports ------------------------------------------------------------


def listing_csv_export(
    *, actor: Actor, filters: ReportFilters, request: HttpRequest | None
) -> ExportJob:
    """The event line listing as CSV, as a job."""
    require_report_reader(actor)
    return export_job_request(actor=actor, kind=ExportKind.LISTING_CSV, filters=filters)


def fhir_bundle_export(
    *, actor: Actor, filters: ReportFilters, request: HttpRequest | None
) -> ExportJob:
    """The filtered events as one FHIR R4 Bundle, as a job."""
    require_report_reader(actor)
    return export_job_request(actor=actor, kind=ExportKind.FHIR_BUNDLE, filters=filters)


def summary_pdf_export(
    *, actor: Actor, filters: ReportFilters, request: HttpRequest | None
) -> ExportFile:
    """The safety summary as PDF: aggregates and at most 50 serious events, always small."""
    require_report_reader(actor)
    summary = safety_summary(actor, filters)
    content = safety_summary_pdf(
        actor,
        filters,
        summary,
        generated_at=timezone.now(),
        link_base=request.build_absolute_uri("/").rstrip("/") if request else "",
    )
    access_log_export(
        actor=actor,
        request=request,
        object_type="reporting.safety_summary",
        row_count=summary.events,
        filters=filters.as_dict(),
        extra={"kind": "safety_summary_pdf"},
    )
    return ExportFile(content, export_filename("summary", "pdf"), PDF)


def summary_table_export(
    *, actor: Actor, filters: ReportFilters, request: HttpRequest | None, table: str
) -> ExportFile:
    """One table of the safety summary (key figures, by term, by month...) as CSV."""
    require_report_reader(actor)
    if table not in AGGREGATE_TABLES:
        raise Http404("No such table.")
    content = aggregate_csv(safety_summary(actor, filters), table)
    access_log_export(
        actor=actor,
        request=request,
        object_type="reporting.safety_summary",
        row_count=content.count(b"\n") - 1,
        filters=filters.as_dict(),
        extra={"kind": f"summary_table_csv:{table}"},
    )
    return ExportFile(content, export_filename(f"summary-{table}", "csv"), CSV)


def case_report_export(
    *, actor: Actor, event: AdverseEvent, request: HttpRequest | None
) -> ExportFile:
    """One event's case report, laid out like MedWatch 3500 (`event` from a scoped selector)."""
    require_report_reader(actor)
    content = case_report_pdf(event, generated_by=actor, generated_at=timezone.now())
    access_log_export(
        actor=actor,
        request=request,
        record=event,
        row_count=1,
        extra={"kind": "case_report_pdf"},
    )
    return ExportFile(content, export_filename(f"case-report-event-{event.pk}", "pdf"), PDF)


def event_fhir_export(
    *, actor: Actor, event: AdverseEvent, request: HttpRequest | None
) -> ExportFile:
    """One event as a FHIR R4 Bundle (`event` from `exports.selectors.fhir_event_get`)."""
    require_report_reader(actor)
    bundle = adverse_event_bundle([event], generated_at=timezone.now())
    access_log_export(
        actor=actor, request=request, record=event, row_count=1, extra={"kind": "fhir_bundle"}
    )
    content = json.dumps(bundle, ensure_ascii=False).encode()
    return ExportFile(
        content, export_filename(f"adverse-event-{event.pk}", "json"), FHIR_MEDIA_TYPE
    )


def event_e2b_export(
    *, actor: Actor, event: AdverseEvent, request: HttpRequest | None
) -> ExportFile:
    """One signed-off event as an E2B(R3) ICSR batch of one message (`event` from
    `exports.selectors.e2b_event_get`)."""
    require_report_reader(actor)
    builder = IcsrBuilder(sender=Sender.from_settings(), created_at=timezone.now())
    content = b"".join(
        builder.batch([event], batch_number=f"event-{event.pk}-{secrets.token_hex(4)}")
    )
    access_log_export(
        actor=actor, request=request, record=event, row_count=1, extra={"kind": "e2b_icsr"}
    )
    return ExportFile(content, export_filename(f"e2b-event-{event.pk}", "xml"), E2B_MEDIA_TYPE)


def e2b_batch_export(
    *, actor: Actor, filters: ReportFilters, request: HttpRequest | None
) -> ExportJob:
    """The signed-off events the filters select (a period, sites...) as one E2B(R3) batch,
    as a job. Only signed-off events are reported, whatever review status was asked for."""
    require_report_reader(actor)
    filters = dataclasses.replace(filters, review="signed_off")
    return export_job_request(actor=actor, kind=ExportKind.E2B_BATCH, filters=filters)


# --- Exports of the ledger -------------------------------------------------------------------


def audit_trail_export(
    *, actor: Actor, label: str, pk: int, fmt: str, request: HttpRequest | None
) -> ExportFile:
    """One record's trail (every version) as CSV or PDF, for those who may read the ledger."""
    if fmt not in ("csv", "pdf"):
        raise Http404("No such format.")
    model = ledger.audited_model(label)
    site_id = ledger.require_record_visible(actor, model, pk)
    zone = ledger.site_zone(site_id)
    versions = ledger.record_trail(model, pk, zone=zone)
    label = model._meta.label_lower
    if fmt == "csv":
        frame = audit_trail.trail_frame(versions, label=label, pk=pk, zone=zone)
        content = audit_trail.frame_csv(frame)
    else:
        content = audit_trail.trail_pdf(
            versions,
            model_name=str(model._meta.verbose_name),
            label=label,
            pk=pk,
            zone=zone,
            generated_by=actor.get_username(),
            sections=ledger_policy().trail_sections(model, pk, actor),
        )
    access_log_export(
        actor=actor,
        request=request,
        object_type=label,
        object_id=pk,
        site_id=site_id,
        row_count=len(versions),
        filters={"record": label, "record_id": pk},
        extra={"kind": f"audit_trail_{fmt}"},
    )
    subject = f"trail-{label.replace('.', '-')}-{pk}"
    return ExportFile(content, export_filename(subject, fmt), CSV if fmt == "csv" else PDF)


def audit_log_export(
    *, actor: Actor, query: Mapping[str, Any], fmt: str, request: HttpRequest | None
) -> ExportJob:
    """The filtered audit log as CSV or PDF, as a job. `query` holds the log page's filters;
    any that cannot be read raise `ValidationError` naming each."""
    if fmt not in ("csv", "pdf"):
        raise Http404("No such format.")
    ledger.require_ledger_reader(actor)
    site_choices = ledger_policy().site_choices(actor)
    form = LogFilterForm(query or None, site_choices=site_choices)
    # The file must cover exactly what was asked for: a site the user cannot see or an
    # unknown parameter is refused, not silently dropped.
    errors = {name: "Unknown parameter." for name in query if name not in form.fields}
    if form.is_bound and not form.is_valid():
        errors.update(
            {name: " ".join(map(str, messages)) for name, messages in form.errors.items()}
        )
    if errors:
        raise ValidationError(errors)
    filters = form.filters()
    kind = ExportKind.AUDIT_LOG_CSV if fmt == "csv" else ExportKind.AUDIT_LOG_PDF
    return export_job_request(actor=actor, kind=kind, filters=filters.as_dict())


# --- Export jobs ------------------------------------------------------------------------------


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
    progress = _ProgressRecorder(job)
    with partial.open("wb") as out:
        JOB_WRITERS[ExportKind(job.kind)](out, job, progress)
    partial.rename(directory / file_name)
    return file_name, progress.rows


def _job_report_filters(job: ExportJob) -> ReportFilters:
    """`ReportFilters.as_dict()` back into query parameters for `ReportFilters.from_query`."""
    query: dict[str, Any] = {}
    for name, value in job.filters.items():
        parameter = ReportFilters.PARAMETERS[name]
        if isinstance(value, bool):
            value = "true" if value else "false"
        query[parameter] = [str(item) for item in value] if isinstance(value, list) else value
    return ReportFilters.from_query(query, user=job.requested_by)


def _write_listing_csv(out: IO[bytes], job: ExportJob, progress: "_ProgressRecorder") -> None:
    filters = _job_report_filters(job)
    progress.expect(listing_row_count(job.requested_by, filters))
    for chunk in listing_csv_chunks(job.requested_by, filters, on_progress=progress):
        out.write(chunk)


def _write_fhir_bundle(out: IO[bytes], job: ExportJob, progress: "_ProgressRecorder") -> None:
    filters = _job_report_filters(job)
    progress.expect(listing_row_count(job.requested_by, filters))
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


def _write_e2b_batch(out: IO[bytes], job: ExportJob, progress: "_ProgressRecorder") -> None:
    filters = _job_report_filters(job)
    events = event_listing(job.requested_by, filters).filter(status=EventStatus.SIGNED_OFF)
    progress.expect(events.count())
    builder = IcsrBuilder(sender=Sender.from_settings(), created_at=timezone.now())
    out.write(builder.batch_head(f"job-{job.pk}"))
    rows = 0
    for event in e2b_event_queryset(events.order_by("id")).iterator(chunk_size=FHIR_PAGE):
        out.write(builder.message_bytes(event))
        rows += 1
        if rows % FHIR_PAGE == 0:
            progress(rows)
    out.write(builder.batch_tail())
    progress.rows = rows


def _write_audit_log(out: IO[bytes], job: ExportJob, progress: "_ProgressRecorder") -> None:
    actor = job.requested_by
    ledger.require_ledger_reader(actor)
    stored: dict[str, Any] = {
        name: date.fromisoformat(value) if name in ("since", "until") else value
        for name, value in job.filters.items()
    }
    filters = ledger.LogFilters(**stored)
    is_csv = job.kind == ExportKind.AUDIT_LOG_CSV
    limit = LOG_CSV_ROW_LIMIT if is_csv else LOG_PDF_ROW_LIMIT
    entries = ledger.audit_log_entries(actor, filters, limit=limit)
    zones = ledger_policy().site_timezones()
    if is_csv:
        out.write(audit_trail.frame_csv(audit_trail.log_frame(entries, zones=zones)))
    else:
        out.write(
            audit_trail.log_pdf(
                entries,
                total=ledger.audit_log_count(actor, filters),
                csv_limit=LOG_CSV_ROW_LIMIT,
                filters=filters.as_dict(),
                zones=zones,
                generated_by=actor.get_username(),
            )
        )
    progress.rows = len(entries)


JOB_WRITERS: dict[ExportKind, Callable[[IO[bytes], ExportJob, "_ProgressRecorder"], None]] = {
    ExportKind.LISTING_CSV: _write_listing_csv,
    ExportKind.FHIR_BUNDLE: _write_fhir_bundle,
    ExportKind.AUDIT_LOG_CSV: _write_audit_log,
    ExportKind.AUDIT_LOG_PDF: _write_audit_log,
    ExportKind.E2B_BATCH: _write_e2b_batch,
}


class _ProgressRecorder:
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
